# What `sockerlessd --backend=aca` needs in Azure, in one resource group.
# The backend creates and deletes its jobs itself; nothing here is a job.

terraform {
  required_version = ">= 1.5"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.20, < 5.0"
    }
  }
}

provider "azurerm" {
  features {}
  subscription_id = var.subscription_id
}

locals {
  dedicated        = var.workload_profile_type != null && var.workload_profile_type != "Consumption"
  workload_profile = var.workload_profile_type == null ? null : (local.dedicated ? "dedicated" : "Consumption")

  # Who runs sockerlessd: the daemon identity (for a daemon on an Azure VM,
  # in a container app or on AKS) and whoever else the user names.  Static
  # keys, so the plan knows them before the identity exists.
  daemon_principals = merge(
    { daemon = azurerm_user_assigned_identity.daemon.principal_id },
    { for i, id in var.extra_principal_ids : "extra-${i}" => id },
  )
}

resource "azurerm_resource_group" "sockerless" {
  name     = var.resource_group_name
  location = var.location
  tags     = var.tags
}

# Container output lands here; docker logs reads it back with KQL.
resource "azurerm_log_analytics_workspace" "sockerless" {
  name                = var.log_analytics_workspace_name
  location            = azurerm_resource_group.sockerless.location
  resource_group_name = azurerm_resource_group.sockerless.name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  tags                = var.tags
}

# Destination "log-analytics": rows go to ContainerAppConsoleLogs_CL and
# ContainerAppSystemLogs_CL, which the backend reads (log-family auto).
resource "azurerm_container_app_environment" "sockerless" {
  name                       = var.environment_name
  location                   = azurerm_resource_group.sockerless.location
  resource_group_name        = azurerm_resource_group.sockerless.name
  logs_destination           = "log-analytics"
  log_analytics_workspace_id = azurerm_log_analytics_workspace.sockerless.id
  tags                       = var.tags

  dynamic "workload_profile" {
    for_each = var.workload_profile_type == null ? [] : ["Consumption"]

    content {
      name                  = "Consumption"
      workload_profile_type = "Consumption"
      minimum_count         = 0
      maximum_count         = 0
    }
  }

  dynamic "workload_profile" {
    for_each = local.dedicated ? [var.workload_profile_type] : []

    content {
      name                  = "dedicated"
      workload_profile_type = workload_profile.value
      minimum_count         = var.dedicated_minimum_count
      maximum_count         = var.dedicated_maximum_count
    }
  }
}

# Named volumes (planned): one Azure Files share per volume or a directory
# of this share, registered on the environment by the backend.
resource "azurerm_storage_account" "volumes" {
  name                            = var.storage_account_name
  resource_group_name             = azurerm_resource_group.sockerless.name
  location                        = azurerm_resource_group.sockerless.location
  account_kind                    = "StorageV2"
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  tags                            = var.tags
}

resource "azurerm_storage_share" "volumes" {
  name               = "sockerless-volumes"
  storage_account_id = azurerm_storage_account.volumes.id
  quota              = var.volume_share_quota_gb
}

# Private images.  No admin user: pulls go through an identity with AcrPull.
resource "azurerm_container_registry" "sockerless" {
  name                = var.registry_name
  resource_group_name = azurerm_resource_group.sockerless.name
  location            = azurerm_resource_group.sockerless.location
  sku                 = "Basic"
  admin_enabled       = false
  tags                = var.tags
}

# Two identities on purpose: the daemon's may create and delete jobs, the
# jobs' may only pull images.  A job never carries the daemon's rights.
resource "azurerm_user_assigned_identity" "daemon" {
  name                = "${var.name_prefix}-daemon"
  resource_group_name = azurerm_resource_group.sockerless.name
  location            = azurerm_resource_group.sockerless.location
  tags                = var.tags
}

resource "azurerm_user_assigned_identity" "pull" {
  name                = "${var.name_prefix}-pull"
  resource_group_name = azurerm_resource_group.sockerless.name
  location            = azurerm_resource_group.sockerless.location
  tags                = var.tags
}

# Exactly the actions the backend uses, in this resource group only.
resource "azurerm_role_definition" "daemon" {
  count       = var.daemon_role == "custom" ? 1 : 0
  name        = "${var.name_prefix} ACA backend (${azurerm_resource_group.sockerless.name})"
  scope       = azurerm_resource_group.sockerless.id
  description = "sockerlessd --backend=aca: create, start, stop and delete Container Apps jobs, read their executions and log stream, register Azure Files storages for named volumes."

  permissions {
    actions = [
      "Microsoft.Resources/subscriptions/resourceGroups/read",
      "Microsoft.App/jobs/*",
      "Microsoft.App/managedEnvironments/read",
      "Microsoft.App/managedEnvironments/join/action",
      "Microsoft.App/managedEnvironments/storages/*",
      "Microsoft.ManagedIdentity/userAssignedIdentities/read",
      "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
      "Microsoft.Storage/storageAccounts/read",
      "Microsoft.Storage/storageAccounts/listkeys/action",
      "Microsoft.Storage/storageAccounts/fileServices/shares/*",
    ]
    not_actions = []
  }

  assignable_scopes = [azurerm_resource_group.sockerless.id]
}

resource "azurerm_role_assignment" "daemon_jobs" {
  for_each             = local.daemon_principals
  scope                = azurerm_resource_group.sockerless.id
  role_definition_id   = var.daemon_role == "custom" ? azurerm_role_definition.daemon[0].role_definition_resource_id : null
  role_definition_name = var.daemon_role == "custom" ? null : var.daemon_role
  principal_id         = each.value
}

# docker logs: KQL queries against the workspace.
resource "azurerm_role_assignment" "daemon_logs" {
  for_each             = local.daemon_principals
  scope                = azurerm_log_analytics_workspace.sockerless.id
  role_definition_name = "Log Analytics Reader"
  principal_id         = each.value
}

resource "azurerm_role_assignment" "pull" {
  scope                = azurerm_container_registry.sockerless.id
  role_definition_name = "AcrPull"
  principal_id         = azurerm_user_assigned_identity.pull.principal_id
}
