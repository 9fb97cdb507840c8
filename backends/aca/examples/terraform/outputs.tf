# One output per SOCKERLESS_ACA_* value, and `exports` with all of them as
# shell lines: eval "$(terraform output -raw exports)".

output "subscription_id" {
  description = "SOCKERLESS_ACA_SUBSCRIPTION_ID"
  value       = var.subscription_id
}

output "resource_group" {
  description = "SOCKERLESS_ACA_RESOURCE_GROUP"
  value       = azurerm_resource_group.sockerless.name
}

output "environment" {
  description = "SOCKERLESS_ACA_ENVIRONMENT"
  value       = azurerm_container_app_environment.sockerless.name
}

output "location" {
  description = "SOCKERLESS_ACA_LOCATION"
  value       = azurerm_container_app_environment.sockerless.location
}

output "log_analytics_workspace" {
  description = "SOCKERLESS_ACA_LOG_ANALYTICS_WORKSPACE: the workspace's customer id (a GUID), not its ARM id"
  value       = azurerm_log_analytics_workspace.sockerless.workspace_id
}

output "storage_account" {
  description = "SOCKERLESS_ACA_STORAGE_ACCOUNT"
  value       = azurerm_storage_account.volumes.name
}

output "workload_profile" {
  description = "SOCKERLESS_ACA_WORKLOAD_PROFILE (null for a Consumption-only environment)"
  value       = local.workload_profile
}

output "daemon_client_id" {
  description = "AZURE_CLIENT_ID for a daemon that runs on Azure with the daemon identity (managed identity)"
  value       = azurerm_user_assigned_identity.daemon.client_id
}

output "tenant_id" {
  description = "AZURE_TENANT_ID"
  value       = azurerm_user_assigned_identity.daemon.tenant_id
}

output "registry_login_server" {
  description = "The registry's host name, for image references (myregistry.azurecr.io/app:1)"
  value       = azurerm_container_registry.sockerless.login_server
}

output "pull_identity_id" {
  description = "ARM id of the identity with AcrPull that jobs use to pull from the registry"
  value       = azurerm_user_assigned_identity.pull.id
}

output "exports" {
  description = "Shell lines that export the backend's configuration"
  value = join("\n", compact([
    "export SOCKERLESS_ACA_SUBSCRIPTION_ID=${var.subscription_id}",
    "export SOCKERLESS_ACA_RESOURCE_GROUP=${azurerm_resource_group.sockerless.name}",
    "export SOCKERLESS_ACA_ENVIRONMENT=${azurerm_container_app_environment.sockerless.name}",
    "export SOCKERLESS_ACA_LOCATION=${azurerm_container_app_environment.sockerless.location}",
    "export SOCKERLESS_ACA_LOG_ANALYTICS_WORKSPACE=${azurerm_log_analytics_workspace.sockerless.workspace_id}",
    "export SOCKERLESS_ACA_STORAGE_ACCOUNT=${azurerm_storage_account.volumes.name}",
    local.workload_profile == null ? "" : "export SOCKERLESS_ACA_WORKLOAD_PROFILE=${local.workload_profile}",
  ]))
}
