// The storage account of the app: the Functions host and Durable Task hub (queues, tables, blobs), the app's
// artifacts (one container) and index tables, and the container Flex Consumption deploys the package from.
// Only Entra ID access: shared keys are disabled.
param name string
param location string
param tags object
param deploymentContainerName string
param appContainerName string
param tablePrefix string

var appTables = [
  'Batches'
  'Items'
  'Reviews'
  'Reviewers'
  'Assignments'
  'VerifiedItems'
  'OpenWork'
  'ReviewRelay'
  'MailSent'
]

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    publicNetworkAccess: 'Enabled'
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
    }

    resource appContainer 'containers' = {
      name: appContainerName
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'
  }

  resource tableService 'tableServices' = {
    name: 'default'

    resource tables 'tables' = [
      for table in appTables: {
        name: '${tablePrefix}${table}'
      }
    ]
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
