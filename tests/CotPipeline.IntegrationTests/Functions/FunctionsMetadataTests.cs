using System.Reflection;
using System.Text.Json;
using CotLocal;
using CotPipeline.Constants;
using CotPipeline.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace CotPipeline.IntegrationTests.Functions;

/// <summary>
/// The Functions app declares exactly the orchestrators, activities and routes the local host has. Reads the
/// <c>functions.metadata</c> that the build of CotFunctions generates (the test project builds it first).
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Lazy<IReadOnlyList<FunctionEntry>> Functions = new(Load);

    [Fact]
    public void Orchestrators_FunctionsApp_EqualTaskNames() =>
        AssertSameSet(TaskNames.Orchestrators, Functions.Value.Where(f => f.Trigger.Type == "orchestrationTrigger").Select(f => f.Name));

    [Fact]
    public void Activities_FunctionsApp_EqualTaskNames() =>
        AssertSameSet(TaskNames.AllActivities, Functions.Value.Where(f => f.Trigger.Type == "activityTrigger").Select(f => f.Name));

    [Fact]
    public void HttpTriggers_FunctionsApp_EqualRouteTable() =>
        AssertSameSet(
            ApiRouteTable.All.Concat(ApiRouteTable.Public).Select(r => $"{r.Method} {r.Route}"),
            Http().SelectMany(f => f.Trigger.Methods.Select(m => $"{m.ToLowerInvariant()} {f.Trigger.Route}")));

    [Fact]
    public void HttpTriggers_EveryOperatorRoute_RequiresFunctionKeyAndOnlyReviewPagesAreAnonymous()
    {
        var publicRoutes = ApiRouteTable.Public.Select(r => r.Route).ToHashSet(StringComparer.Ordinal);
        var open = Http().Where(f => !publicRoutes.Contains(f.Trigger.Route ?? "") && !string.Equals(f.Trigger.AuthLevel, "function", StringComparison.OrdinalIgnoreCase))
            .Select(f => f.Name).ToList();
        Assert.True(open.Count == 0, $"HTTP functions without authLevel \"function\": {string.Join(", ", open)}");
        var pages = Http().Where(f => publicRoutes.Contains(f.Trigger.Route ?? "")).ToList();
        Assert.Equal(ApiRouteTable.Public.Count, pages.Count);
        Assert.All(pages, f => Assert.Equal("anonymous", f.Trigger.AuthLevel, ignoreCase: true));
    }

    [Fact]
    public void ScheduleItemsPage_FunctionsApp_HasDurableClient()
    {
        var function = Assert.Single(Functions.Value, f => f.Name == TaskNames.ScheduleItemsPage);
        Assert.Contains("durableClient", function.BindingTypes);
    }

    [Fact]
    public void TimerTriggers_FunctionsApp_PurgeHourlyAndSweepTheReviewRelayEveryMinuteWithDurableClient()
    {
        // CotFunctions.MaintenanceFunctions.Schedule and RelaySchedule (the test does not reference the Functions assembly).
        var timers = Functions.Value.Where(f => f.Trigger.Type == "timerTrigger").ToDictionary(f => f.Name, f => f.Trigger.Schedule);
        Assert.Equal(new Dictionary<string, string?> { ["PurgeEndedHistories"] = "0 17 * * * *", ["SweepReviewRelay"] = "30 * * * * *" }, timers);
        Assert.All(Functions.Value.Where(f => f.Trigger.Type == "timerTrigger"), f => Assert.Contains("durableClient", f.BindingTypes));
    }

    [Fact]
    public void MapCotApi_LocalHost_EqualsRouteTable()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddCotPipeline(builder.Configuration);
        // Only the endpoint list is read: the client is declared for parameter binding and never resolved.
        builder.Services.AddSingleton<DurableTaskClient>(_ => throw new NotSupportedException());
        using var app = builder.Build();
        app.MapCotApi();

        var endpoints = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>();
        AssertSameSet(
            ApiRouteTable.All.Concat(ApiRouteTable.Public).Select(r => $"{r.Method} /{ApiRouteTable.Prefix}/{r.Route}"),
            endpoints.SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["(any)"])
                .Select(m => $"{m.ToLowerInvariant()} {e.RoutePattern.RawText}")));
    }

    private static IEnumerable<FunctionEntry> Http() => Functions.Value.Where(f => f.Trigger.Type == "httpTrigger");

    private static void AssertSameSet(IEnumerable<string> expected, IEnumerable<string> actual)
    {
        var want = expected.ToHashSet(StringComparer.Ordinal);
        var have = actual.ToHashSet(StringComparer.Ordinal);
        var missing = want.Except(have).Order().ToList();
        var extra = have.Except(want).Order().ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"missing: [{string.Join(", ", missing)}]; unexpected: [{string.Join(", ", extra)}]");
    }

    private static IReadOnlyList<FunctionEntry> Load()
    {
        var path = typeof(FunctionsMetadataTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "CotFunctionsMetadata").Value!;
        Assert.True(File.Exists(path),
            $"{path} does not exist. It is generated by building src/CotFunctions, which this test project references; build the test project (not only its assembly) first.");

        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return [.. json.RootElement.EnumerateArray().Select(FunctionEntry.From)];
    }

    private sealed record Binding(string Type, string? Route, string? AuthLevel, IReadOnlyList<string> Methods, string? Schedule);

    private sealed record FunctionEntry(string Name, Binding Trigger, IReadOnlyList<string> BindingTypes)
    {
        public static FunctionEntry From(JsonElement function)
        {
            var bindings = function.GetProperty("bindings").EnumerateArray().Select(b => new Binding(
                b.GetProperty("type").GetString()!,
                Text(b, "route"),
                Text(b, "authLevel"),
                b.TryGetProperty("methods", out var methods) ? [.. methods.EnumerateArray().Select(m => m.GetString()!)] : [],
                Text(b, "schedule"))).ToList();
            var trigger = bindings.Single(b => b.Type.EndsWith("Trigger", StringComparison.Ordinal));
            return new FunctionEntry(function.GetProperty("name").GetString()!, trigger, [.. bindings.Select(b => b.Type)]);
        }

        private static string? Text(JsonElement binding, string property) =>
            binding.TryGetProperty(property, out var value) ? value.GetString() : null;
    }
}
