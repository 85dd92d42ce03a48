using CotLocal;
using Microsoft.Extensions.Options;

// appsettings.json sits next to the binary, so the host starts the same from any working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddCotLocal();
var app = builder.Build();
app.MapCotLocal();
try
{
    await app.RunAsync();
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync($"CotLocal cannot start, a setting is not valid:\n  {string.Join("\n  ", e.Failures)}");
    return 1;
}

return 0;
