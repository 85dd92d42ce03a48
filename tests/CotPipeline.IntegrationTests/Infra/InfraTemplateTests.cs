using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using CotPipeline.IntegrationTests.Infrastructure;
using CotPipeline.Storage;

namespace CotPipeline.IntegrationTests.Infra;

/// <summary>
/// What <c>infra/main.bicep</c> deploys, read from the compiled ARM JSON: identity-only access, the roles and where
/// they apply, no secret in plain settings, and a value (or a documented default) for every setting the app binds.
/// </summary>
public sealed partial class InfraTemplateTests
{
    private const string AppSettingsType = "Microsoft.Web/sites/config";
    private const string KeyVaultReference = "@Microsoft.KeyVault(SecretUri=";

    private static JsonObject AppSettings =>
        CompiledTemplate.OfType(AppSettingsType).Single(r => ((string)r.Body["name"]!).Contains("appsettings", StringComparison.Ordinal)).Properties;

    private static IEnumerable<string> AppSettingKeys => AppSettings.Select(p => ConfigurationKeys.FromAppSetting(p.Key));

    [Fact]
    public void StorageAccount_Security_SharedKeyOffHttpsOnlyTls12()
    {
        var storage = CompiledTemplate.Single("Microsoft.Storage/storageAccounts").Properties;
        Assert.False(storage["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.True(storage["supportsHttpsTrafficOnly"]!.GetValue<bool>());
        Assert.Equal("TLS1_2", (string?)storage["minimumTlsVersion"]);
        Assert.False(storage["allowBlobPublicAccess"]!.GetValue<bool>());
    }

    [Fact]
    public void StorageAccount_Services_HaveTheContainersAndTablesTheAppUses()
    {
        foreach (var service in new[] { "blobServices", "queueServices", "tableServices" })
        {
            Assert.Single(CompiledTemplate.OfType($"Microsoft.Storage/storageAccounts/{service}"));
        }

        Assert.Equal(2, CompiledTemplate.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Count());

        // The table names the store opens (its TableClient properties) are the ones the template creates.
        var tables = CompiledTemplate.Single("Microsoft.Storage/storageAccounts/tableServices/tables");
        var created = tables.Template["variables"]!["appTables"]!.AsArray().Select(n => (string)n!).Order();
        var used = typeof(CotStore).GetProperties().Where(p => p.PropertyType == typeof(TableClient)).Select(p => p.Name).Order();
        Assert.Equal(used, created);

        // The storage module and the app get the same container and table prefix from main.bicep.
        var storageModule = ModuleParameters("Microsoft.Storage/storageAccounts");
        var apiModule = ModuleParameters("Microsoft.Web/sites");
        foreach (var name in new[] { "deploymentContainerName", "appContainerName", "tablePrefix" })
        {
            Assert.Equal((string?)storageModule[name]!["value"], (string?)apiModule[name]!["value"]);
        }
    }

    [Fact]
    public void FunctionApp_Site_FlexConsumptionDotnetIsolated10HttpsOnly()
    {
        var plan = CompiledTemplate.Single("Microsoft.Web/serverfarms").Body;
        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);

        var site = CompiledTemplate.Single("Microsoft.Web/sites");
        Assert.Equal("UserAssigned", (string?)site.Body["identity"]!["type"]);
        var p = site.Properties;
        Assert.True(p["httpsOnly"]!.GetValue<bool>());
        Assert.Equal("1.2", (string?)p["siteConfig"]!["minTlsVersion"]);
        Assert.NotNull(p["keyVaultReferenceIdentity"]);
        var config = p["functionAppConfig"]!;
        Assert.Equal("dotnet-isolated", (string?)config["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)config["runtime"]!["version"]);
        Assert.Equal("blobContainer", (string?)config["deployment"]!["storage"]!["type"]);
        Assert.Equal("UserAssignedIdentity", (string?)config["deployment"]!["storage"]!["authentication"]!["type"]);

        // azd deploys the service "api" of azure.yaml to the site with that tag.
        Assert.Equal("api", (string?)ModuleParameters("Microsoft.Web/sites")["serviceName"]!["value"]);
        var azureYaml = File.ReadAllText(Path.Combine(RepoPaths.Root, "azure.yaml"));
        Assert.Matches(@"(?m)^  api:\n    project: src/CotFunctions\n    host: function\n    language: dotnet$", azureYaml.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void RoleAssignments_AppIdentity_ExactlyTheNeededRolesOnTheirResources()
    {
        var expected = new[]
        {
            ("b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "Microsoft.Storage/storageAccounts"), // Storage Blob Data Owner
            ("974c5e8b-45b9-4653-ba55-5f855dd0fb88", "Microsoft.Storage/storageAccounts"), // Storage Queue Data Contributor
            ("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", "Microsoft.Storage/storageAccounts"), // Storage Table Data Contributor
            ("3913510d-42f4-4e42-8a64-420c390055eb", "Microsoft.Insights/components"), // Monitoring Metrics Publisher
            ("5e0bd9bd-7b93-4f28-af87-19fc36ad61bd", "Microsoft.CognitiveServices/accounts"), // Cognitive Services OpenAI User
            ("4633458b-17de-408a-b874-0445c86b69e6", "Microsoft.KeyVault/vaults"), // Key Vault Secrets User
        };

        var actual = new List<(string Role, string Scope)>();
        foreach (var assignment in CompiledTemplate.OfType("Microsoft.Authorization/roleAssignments"))
        {
            Assert.Equal("[parameters('principalId')]", (string?)assignment.Properties["principalId"]);
            Assert.Equal("ServicePrincipal", (string?)assignment.Properties["principalType"]);
            var scope = ScopeType().Match((string?)assignment.Body["scope"] ?? "");
            Assert.True(scope.Success, $"role assignment without a resource scope: {assignment.Body["scope"]}");
            var roleIds = Guid().Matches(WithVariables((string)assignment.Properties["roleDefinitionId"]!, assignment.Template));
            actual.AddRange(roleIds.Select(m => (m.Value, scope.Groups[1].Value)));
        }

        Assert.Equal(expected.Order(), actual.Order());
        Assert.Equal("[reference('identity').outputs.principalId.value]",
            (string?)ModuleParameters("Microsoft.Authorization/roleAssignments")["principalId"]!["value"]);
    }

    [Fact]
    public void Accounts_LocalAuthentication_Disabled()
    {
        Assert.True(CompiledTemplate.Single("Microsoft.Insights/components").Properties["DisableLocalAuth"]!.GetValue<bool>());
        Assert.True(CompiledTemplate.Single("Microsoft.CognitiveServices/accounts").Properties["disableLocalAuth"]!.GetValue<bool>());
        Assert.True(CompiledTemplate.Single("Microsoft.KeyVault/vaults").Properties["enableRbacAuthorization"]!.GetValue<bool>());
        Assert.Single(CompiledTemplate.OfType("Microsoft.CognitiveServices/accounts/deployments"));
    }

    [Fact]
    public void AppSettings_Secrets_OnlyAsKeyVaultReferences()
    {
        // The module that writes the app settings is given no secret at all, only secret URIs.
        var apiTemplate = ModuleTemplate("Microsoft.Web/sites");
        var secureParameters = apiTemplate["parameters"]!.AsObject()
            .Where(p => ((string?)p.Value!["type"])?.StartsWith("secure", StringComparison.OrdinalIgnoreCase) == true)
            .Select(p => p.Key);
        Assert.Empty(secureParameters);

        // With local authentication off, the Application Insights connection string only says where to send.
        var secretLike = AppSettings.Where(p => SecretName().IsMatch(p.Key) && p.Key != "APPLICATIONINSIGHTS_CONNECTION_STRING").ToList();
        Assert.Contains(secretLike, p => p.Key == "ReviewLinks__SigningKey");
        Assert.Contains(secretLike, p => p.Key == "Smtp__Password");
        foreach (var (name, value) in secretLike)
        {
            Assert.True(((string?)value)?.Contains(KeyVaultReference, StringComparison.Ordinal) == true, $"{name} is not a Key Vault reference: {value}");
        }

        Assert.Equal(2, CompiledTemplate.OfType("Microsoft.KeyVault/vaults/secrets").Count());
    }

    [Fact]
    public void AppSettings_EveryBoundKey_SetOrDocumentedOptional()
    {
        var set = AppSettingKeys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var optional = ConfigurationKeys.DocumentedOptional(InfraReadme()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var neither = ConfigurationKeys.Bound.Where(k => !set.Contains(k) && !optional.Contains(k)).ToList();
        Assert.True(neither.Count == 0,
            $"bound but neither set in infra/app/api.bicep nor in infra/README.md's table of unset settings: {string.Join(", ", neither)}");
    }

    [Fact]
    public void DocumentedOptional_EveryRow_IsBoundAndNotSet()
    {
        var bound = ConfigurationKeys.Bound.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var set = AppSettingKeys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var rows = ConfigurationKeys.DocumentedOptional(InfraReadme());
        Assert.NotEmpty(rows);
        var unknown = rows.Where(k => !bound.Contains(k)).ToList();
        Assert.True(unknown.Count == 0, $"infra/README.md documents keys the app does not bind: {string.Join(", ", unknown)}");
        var deployed = rows.Where(set.Contains).ToList();
        Assert.True(deployed.Count == 0, $"infra/README.md calls these unset but the template sets them: {string.Join(", ", deployed)}");
    }

    [Fact]
    public void AppSettings_HostJson_EverySettingItNeedsIsSet()
    {
        var hostJson = File.ReadAllText(Path.Combine(RepoPaths.Root, "host.json"));
        var placeholders = Placeholder().Matches(hostJson).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("Durable__HubName", placeholders);
        foreach (var name in placeholders)
        {
            Assert.True(AppSettings.ContainsKey(name), $"host.json uses %{name}% but the template does not set it");
        }

        // connectionName "AzureWebJobsStorage", identity-based; Flex Consumption rejects the worker runtime settings.
        Assert.Equal("managedidentity", (string?)AppSettings["AzureWebJobsStorage__credential"]);
        Assert.True(AppSettings.ContainsKey("AzureWebJobsStorage__accountName"));
        Assert.True(AppSettings.ContainsKey("AzureWebJobsStorage__clientId"));
        foreach (var name in new[] { "AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME", "FUNCTIONS_EXTENSION_VERSION" })
        {
            Assert.False(AppSettings.ContainsKey(name), $"{name} must not be an app setting");
        }
    }

    private static string InfraReadme() => File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "README.md"));

    private static JsonObject ModuleTemplate(string declaredType) =>
        CompiledTemplate.ModuleDeclaring(declaredType)["properties"]!["template"]!.AsObject();

    private static JsonObject ModuleParameters(string declaredType) =>
        CompiledTemplate.ModuleDeclaring(declaredType)["properties"]!["parameters"]!.AsObject();

    /// <summary>The expression with each <c>variables('name')</c> replaced by that variable's JSON.</summary>
    private static string WithVariables(string expression, JsonObject template) =>
        Variable().Replace(expression, m => template["variables"]?[m.Groups[1].Value]?.ToJsonString() ?? m.Value);

    [GeneratedRegex(@"^\[.*resourceId\('([A-Za-z.]+/[A-Za-z]+)'")]
    private static partial Regex ScopeType();

    [GeneratedRegex(@"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Guid();

    [GeneratedRegex(@"variables\('([A-Za-z0-9_]+)'\)")]
    private static partial Regex Variable();

    [GeneratedRegex(@"%([A-Za-z0-9_]+)%")]
    private static partial Regex Placeholder();

    [GeneratedRegex("password|secret|signingkey|apikey|accountkey|connectionstring", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
