using CotLocal;
using Microsoft.Extensions.Options;

// Some of the engine's work (the in-process sidecar and the Azure Storage backend) holds thread-pool threads while it waits.
// On 2 cores the pool starts with 2 threads and adds about one per second, so 50 reviewers at once waited up to 10 s for a
// thread: review page p95 8.9 s with the default, 158 ms with 64 threads ready (review-page benchmark, same machine and run).
ThreadPool.GetMinThreads(out var workers, out var completionPorts);
ThreadPool.SetMinThreads(Math.Max(workers, 64), completionPorts);

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
