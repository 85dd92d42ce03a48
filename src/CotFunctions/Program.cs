using CotFunctions;
using CotPipeline;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// ASP.NET Core integration: HTTP triggers take HttpRequest and their IResult is executed against the HttpContext.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ErrorResponsesMiddleware>();
builder.AddCotTelemetry();
builder.Services.AddCotPipeline(builder.Configuration);
builder.Build().Run();
