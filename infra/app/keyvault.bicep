// Key Vault in RBAC mode with the app's two secrets. App settings reference them by versionless URI, so a new
// secret version (a rotated key) reaches the app without a redeployment.
param name string
param location string
param tags object

@secure()
param reviewLinkSigningKey string

@secure()
param smtpPassword string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
}

resource signingKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'ReviewLinks--SigningKey'
  properties: {
    value: reviewLinkSigningKey
  }
}

resource smtpPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'Smtp--Password'
  properties: {
    value: smtpPassword
  }
}

output name string = vault.name
output signingKeySecretUri string = signingKey.properties.secretUri
output smtpCredentialUri string = smtpPasswordSecret.properties.secretUri
