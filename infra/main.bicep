// CotFunctions in Azure: `azd up` deploys this (subscription scope: it creates the resource group).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; part of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer Flex Consumption and the OpenAI model below.')
param location string

@description('Azure OpenAI chat model and version deployed for drafting rationales.')
param openAiModelName string = 'gpt-4o-mini'
param openAiModelVersion string = '2024-07-18'

@description('Name of the model deployment (the app\'s Llm:Model).')
param openAiDeploymentName string = 'chat'

@description('Deployment type of the model, e.g. GlobalStandard or Standard.')
param openAiDeploymentSku string = 'GlobalStandard'

@minValue(1)
@description('Capacity of the model deployment, in thousands of tokens per minute.')
param openAiDeploymentCapacity int = 30

@description('Durable Task hub name (host.json reads it as %Durable__HubName%).')
param durableHubName string = 'CotFunctions'

@description('SMTP server that sends review links.')
param smtpHost string

@minValue(1)
@maxValue(65535)
param smtpPort int = 587

param smtpUser string

@description('Sender address of the review e-mails.')
param smtpFrom string

@secure()
@minLength(1)
@description('SMTP password; stored in Key Vault only.')
param smtpPassword string

@secure()
@minLength(15)
@description('Key that signs review links; stored in Key Vault only. azd generates it once and reads it back from the vault afterwards (see main.parameters.json).')
param reviewLinkSigningKey string

@description('Public base URL of the review links; empty means the function app\'s own https host name.')
param publicBaseUrl string = ''

@minValue(1)
param maximumInstanceCount int = 40

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var abbrs = {
  resourceGroup: 'rg-'
  identity: 'id-'
  storage: 'st'
  logAnalytics: 'log-'
  applicationInsights: 'appi-'
  openAi: 'oai-'
  keyVault: 'kv-'
  plan: 'plan-'
  functionApp: 'func-'
}
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.functionApp}${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}'
var appContainerName = 'cot'
var tablePrefix = 'Cot'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourceGroup}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  scope: rg
  params: {
    name: '${abbrs.identity}${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  scope: rg
  params: {
    name: '${abbrs.storage}${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    appContainerName: appContainerName
    tablePrefix: tablePrefix
  }
}

module monitoring 'app/monitoring.bicep' = {
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.logAnalytics}${resourceToken}'
    applicationInsightsName: '${abbrs.applicationInsights}${resourceToken}'
    location: location
    tags: tags
  }
}

module openAi 'app/openai.bicep' = {
  scope: rg
  params: {
    name: '${abbrs.openAi}${resourceToken}'
    location: location
    tags: tags
    deploymentName: openAiDeploymentName
    modelName: openAiModelName
    modelVersion: openAiModelVersion
    deploymentSkuName: openAiDeploymentSku
    capacity: openAiDeploymentCapacity
  }
}

module keyVault 'app/keyvault.bicep' = {
  scope: rg
  params: {
    name: '${abbrs.keyVault}${resourceToken}'
    location: location
    tags: tags
    reviewLinkSigningKey: reviewLinkSigningKey
    smtpPassword: smtpPassword
  }
}

module rbac 'app/rbac.bicep' = {
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    openAiAccountName: openAi.outputs.name
    keyVaultName: keyVault.outputs.name
  }
}

module api 'app/api.bicep' = {
  scope: rg
  params: {
    planName: '${abbrs.plan}${resourceToken}'
    appName: functionAppName
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    appContainerName: appContainerName
    tablePrefix: tablePrefix
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    durableHubName: durableHubName
    openAiEndpoint: openAi.outputs.endpoint
    openAiDeploymentName: openAi.outputs.deploymentName
    openAiTokensPerMinute: openAiDeploymentCapacity * 1000
    signingKeySecretUri: keyVault.outputs.signingKeySecretUri
    smtpCredentialUri: keyVault.outputs.smtpCredentialUri
    smtpHost: smtpHost
    smtpPort: smtpPort
    smtpUser: smtpUser
    smtpFrom: smtpFrom
    publicBaseUrl: publicBaseUrl
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
  // The app starts with its identity's roles in place (storage, Key Vault references).
  dependsOn: [
    rbac
  ]
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_OPENAI_ENDPOINT string = openAi.outputs.endpoint
output SERVICE_API_BASE_URL string = 'https://${api.outputs.defaultHostName}'
