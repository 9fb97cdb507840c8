variable "subscription_id" {
  description = "The subscription everything is created in (SOCKERLESS_ACA_SUBSCRIPTION_ID)."
  type        = string
}

variable "location" {
  description = "Azure region of every resource; the jobs run there too (SOCKERLESS_ACA_LOCATION)."
  type        = string
  default     = "eastus"
}

variable "resource_group_name" {
  description = "The resource group the backend creates its jobs in (SOCKERLESS_ACA_RESOURCE_GROUP)."
  type        = string
  default     = "sockerless-rg"
}

variable "environment_name" {
  description = "The Container Apps environment the jobs run in (SOCKERLESS_ACA_ENVIRONMENT)."
  type        = string
  default     = "sockerless"
}

variable "log_analytics_workspace_name" {
  description = "The Log Analytics workspace that receives the containers' output."
  type        = string
  default     = "sockerless-logs"
}

variable "log_retention_days" {
  description = "How long Log Analytics keeps the containers' output (docker logs of old containers)."
  type        = number
  default     = 30
}

variable "storage_account_name" {
  description = "Storage account for named volumes as Azure Files shares: 3 to 24 lower-case letters and digits, unique in Azure (SOCKERLESS_ACA_STORAGE_ACCOUNT)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]{3,24}$", var.storage_account_name))
    error_message = "storage_account_name must be 3 to 24 lower-case letters and digits."
  }
}

variable "volume_share_quota_gb" {
  description = "Size limit of the file share for named volumes, in GiB."
  type        = number
  default     = 100
}

variable "registry_name" {
  description = "Azure Container Registry for private images: 5 to 50 letters and digits, unique in Azure."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9]{5,50}$", var.registry_name))
    error_message = "registry_name must be 5 to 50 letters and digits."
  }
}

variable "workload_profile_type" {
  description = "null: a Consumption-only environment (up to 2 vCPU / 4Gi per container). \"Consumption\": an environment with the Consumption workload profile (up to 4 vCPU / 8Gi). A dedicated type (\"D4\", \"E8\", ...): the Consumption profile plus a dedicated one named \"dedicated\" that the jobs use."
  type        = string
  default     = null

  validation {
    condition     = var.workload_profile_type == null || contains(["Consumption", "D4", "D8", "D16", "D32", "E4", "E8", "E16", "E32"], coalesce(var.workload_profile_type, "Consumption"))
    error_message = "workload_profile_type must be null, Consumption, D4, D8, D16, D32, E4, E8, E16 or E32."
  }
}

variable "dedicated_minimum_count" {
  description = "Fewest nodes of the dedicated profile (only with a dedicated workload_profile_type)."
  type        = number
  default     = 0
}

variable "dedicated_maximum_count" {
  description = "Most nodes of the dedicated profile (only with a dedicated workload_profile_type)."
  type        = number
  default     = 1
}

variable "daemon_role" {
  description = "What the daemon's principals may do in the resource group: \"custom\" (a role with only the actions the backend uses) or \"Contributor\" (the built-in role: simpler, much broader)."
  type        = string
  default     = "custom"

  validation {
    condition     = contains(["custom", "Contributor"], var.daemon_role)
    error_message = "daemon_role must be \"custom\" or \"Contributor\"."
  }
}

variable "extra_principal_ids" {
  description = "Object ids of further principals that run sockerlessd and get the daemon's roles: your user for `az login` (az ad signed-in-user show --query id -o tsv), a service principal, a CI identity."
  type        = list(string)
  default     = []
}

variable "name_prefix" {
  description = "Prefix of the names of the identities and the custom role."
  type        = string
  default     = "sockerless"
}

variable "tags" {
  description = "Tags for every resource created here (the backend tags its own jobs)."
  type        = map(string)
  default     = {}
}
