// The Flex Consumption plan and the function app (.NET isolated). Every connection is identity-based through the
// one user-assigned identity; secrets are Key Vault references, never values.
param planName string
param appName string
param location string
param tags object
param serviceName string

param identityId string
param identityClientId string
param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string
param appContainerName string
param tablePrefix string
param applicationInsightsConnectionString string
param durableHubName string
param openAiEndpoint string
param openAiDeploymentName string
@description('Tokens per minute of the model deployment (its capacity × 1000); each instance takes an equal share.')
param openAiTokensPerMinute int
param signingKeySecretUri string
param smtpCredentialUri string
param smtpHost string
param smtpPort int
param smtpUser string
param smtpFrom string
param publicBaseUrl string
param maximumInstanceCount int
param instanceMemoryMB int

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// A child resource, so the public base URL can default to the app's own host name.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: {
    // The Functions host and the Durable Task hub: identity-based storage connection.
    AzureWebJobsStorage__accountName: storageAccountName
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    Durable__HubName: durableHubName
    // Telemetry from host and worker, ingested with Entra ID (the resource has local auth disabled).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // CotPipeline: artifacts and index.
    Storage__AccountName: storageAccountName
    Storage__ClientId: identityClientId
    Storage__Container: appContainerName
    Storage__TablePrefix: tablePrefix
    // CotPipeline: the LLM, with Entra ID (no API key).
    Llm__Provider: 'AzureOpenAI'
    Llm__Endpoint: openAiEndpoint
    Llm__Model: openAiDeploymentName
    Llm__ManagedIdentityClientId: identityClientId
    // The deployment's quota shared by the instances (Azure OpenAI allows 6 requests per minute per 1,000 tokens).
    Llm__TokensPerMinute: string(openAiTokensPerMinute / maximumInstanceCount)
    Llm__RequestsPerMinute: string(max(1, openAiTokensPerMinute * 6 / 1000 / maximumInstanceCount))
    // Review links and e-mail.
    ReviewLinks__PublicBaseUrl: empty(publicBaseUrl) ? 'https://${app.properties.defaultHostName}' : publicBaseUrl
    ReviewLinks__SigningKey: '@Microsoft.KeyVault(SecretUri=${signingKeySecretUri})'
    Smtp__Host: smtpHost
    Smtp__Port: string(smtpPort)
    Smtp__User: smtpUser
    Smtp__Password: '@Microsoft.KeyVault(SecretUri=${smtpCredentialUri})'
    Smtp__From: smtpFrom
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
