"""Versioned schema migrations. Version N is `MIGRATIONS[N - 1]`; never edit a shipped one.

`PRAGMA user_version` holds the applied version. A new schema change is a new entry at the end,
numbered above every entry before it (a database at version N applies only versions above N, so a
lower number landing after a higher one would never reach existing databases; a unit test keeps the
order), with a fixture test in tests/unit/store that opens a database of every older version.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "initial: counters, ECS clusters, task definitions, tags, account settings",
        """
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        CREATE TABLE clusters (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            name TEXT NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX clusters_by_name ON clusters (account, region, name);
        CREATE TABLE task_definitions (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            family TEXT NOT NULL, revision INTEGER NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX task_definitions_by_family ON task_definitions (account, region, family, revision);
        CREATE TABLE tags (pk TEXT PRIMARY KEY, doc TEXT NOT NULL);
        CREATE TABLE account_settings (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            principal TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL);
        """,
    ),
    Migration(
        2,
        "ECS tasks",
        """
        CREATE TABLE tasks (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, cluster TEXT NOT NULL,
            family TEXT NOT NULL, last_status TEXT NOT NULL, desired_status TEXT NOT NULL,
            started_by TEXT NOT NULL, grp TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX tasks_by_cluster ON tasks (cluster, desired_status);
        CREATE INDEX tasks_by_status ON tasks (last_status);
        """,
    ),
    Migration(
        3,
        "EC2: regions, VPCs, network ACLs, subnets, IP allocations, security groups and rules, "
        "internet gateways, route tables, network interfaces, VPC endpoints, tags",
        """
        CREATE TABLE ec2_regions (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE TABLE ec2_vpcs (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            is_default INTEGER NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ec2_vpcs_by_scope ON ec2_vpcs (account, region, is_default);
        CREATE TABLE ec2_network_acls (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            vpc_id TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ec2_network_acls_by_vpc ON ec2_network_acls (account, region, vpc_id);
        CREATE TABLE ec2_subnets (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            vpc_id TEXT NOT NULL, availability_zone TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ec2_subnets_by_vpc ON ec2_subnets (account, region, vpc_id);
        CREATE TABLE ec2_ip_allocations (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            subnet_id TEXT NOT NULL, owner TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ec2_ip_allocations_by_subnet ON ec2_ip_allocations (subnet_id);
        CREATE INDEX ec2_ip_allocations_by_owner ON ec2_ip_allocations (account, region, owner);
        CREATE TABLE ec2_security_groups (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            vpc_id TEXT NOT NULL, group_name TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ec2_security_groups_by_name ON ec2_security_groups (account, region, vpc_id, group_name);
        CREATE TABLE ec2_security_group_rules (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            group_id TEXT NOT NULL, referenced_group_id TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ec2_security_group_rules_by_group ON ec2_security_group_rules (group_id);
        CREATE INDEX ec2_security_group_rules_by_peer ON ec2_security_group_rules (referenced_group_id);
        CREATE TABLE ec2_internet_gateways (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            vpc_id TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ec2_internet_gateways_by_vpc ON ec2_internet_gateways (account, region, vpc_id);
        CREATE TABLE ec2_route_tables (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            vpc_id TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ec2_route_tables_by_vpc ON ec2_route_tables (account, region, vpc_id);
        CREATE TABLE ec2_network_interfaces (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            vpc_id TEXT NOT NULL, subnet_id TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ec2_network_interfaces_by_subnet ON ec2_network_interfaces (account, region, subnet_id);
        CREATE TABLE ec2_vpc_endpoints (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            vpc_id TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ec2_vpc_endpoints_by_vpc ON ec2_vpc_endpoints (account, region, vpc_id);
        CREATE TABLE ec2_tags (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL,
            resource_type TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ec2_tags_by_scope ON ec2_tags (account, region, resource_type);
        """,
    ),
    Migration(
        4,
        "IAM and STS: roles, customer managed policies, role policy attachments, inline role "
        "policies, credentials issued for roles",
        """
        CREATE TABLE iam_roles (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, name_key TEXT NOT NULL, path TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX iam_roles_by_name ON iam_roles (account, name_key);
        CREATE TABLE iam_policies (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, name_key TEXT NOT NULL, path TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX iam_policies_by_name ON iam_policies (account, name_key);
        CREATE TABLE iam_role_attachments (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, role_key TEXT NOT NULL, policy_arn TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX iam_role_attachments_by_role ON iam_role_attachments (account, role_key);
        CREATE INDEX iam_role_attachments_by_policy ON iam_role_attachments (account, policy_arn);
        CREATE TABLE iam_role_inline_policies (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, role_key TEXT NOT NULL, name TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX iam_role_inline_policies_by_role ON iam_role_inline_policies (account, role_key, name);
        CREATE TABLE iam_credentials (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, principal TEXT NOT NULL, expires INTEGER NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX iam_credentials_by_principal ON iam_credentials (principal, expires);
        """,
    ),
    Migration(
        5,
        "S3: buckets, objects, body digests, multipart uploads and their parts",
        """
        CREATE TABLE s3_buckets (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX s3_buckets_by_account ON s3_buckets (account);
        CREATE TABLE s3_objects (
            pk TEXT PRIMARY KEY, bucket TEXT NOT NULL, object_key TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX s3_objects_by_key ON s3_objects (bucket, object_key);
        CREATE TABLE s3_bodies (pk TEXT PRIMARY KEY, bucket TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX s3_bodies_by_bucket ON s3_bodies (bucket);
        CREATE TABLE s3_uploads (
            pk TEXT PRIMARY KEY, bucket TEXT NOT NULL, object_key TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX s3_uploads_by_key ON s3_uploads (bucket, object_key);
        CREATE TABLE s3_parts (
            pk TEXT PRIMARY KEY, upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX s3_parts_by_upload ON s3_parts (upload_id, part_number);
        """,
    ),
    Migration(
        6,
        "Secrets Manager: secrets (metadata, version stages, tags) and their sealed version values",
        """
        CREATE TABLE sm_secrets (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            deleted INTEGER NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX sm_secrets_by_name ON sm_secrets (account, region, name);
        CREATE TABLE sm_secret_versions (pk TEXT PRIMARY KEY, secret TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX sm_secret_versions_by_secret ON sm_secret_versions (secret);
        """,
    ),
    Migration(
        7,
        "SSM Parameter Store: parameters (metadata, labels, tags) and their versions",
        """
        CREATE TABLE ssm_parameters (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX ssm_parameters_by_name ON ssm_parameters (account, region, name);
        CREATE TABLE ssm_parameter_versions (
            pk TEXT PRIMARY KEY, parameter TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ssm_parameter_versions_by_parameter ON ssm_parameter_versions (parameter, version);
        """,
    ),
    Migration(
        8,
        "ECS services",
        """
        CREATE TABLE services (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, cluster TEXT NOT NULL,
            name TEXT NOT NULL, status TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX services_by_cluster ON services (cluster, status);
        CREATE INDEX services_by_status ON services (status);
        """,
    ),
    Migration(
        9,
        "ECS tasks: when a stopped task stopped, so stopped tasks age out oldest first",
        """
        ALTER TABLE tasks ADD COLUMN stopped_at TEXT NOT NULL DEFAULT '';
        UPDATE tasks SET stopped_at = COALESCE(json_extract(doc, '$.stoppedAt."$dt"'), '')
            WHERE last_status = 'STOPPED';
        CREATE INDEX tasks_by_stop ON tasks (last_status, stopped_at);
        """,
    ),
    Migration(
        12,
        "Cloud Map: namespaces, services, instances, operations, and the generation of DNS records",
        """
        CREATE TABLE sd_namespaces (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            type TEXT NOT NULL, vpc TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX sd_namespaces_by_name ON sd_namespaces (account, region, name);
        CREATE INDEX sd_namespaces_by_type ON sd_namespaces (type);
        CREATE TABLE sd_services (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, namespace_id TEXT NOT NULL,
            name TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX sd_services_by_namespace ON sd_services (namespace_id, name);
        CREATE INDEX sd_services_by_scope ON sd_services (account, region);
        CREATE TABLE sd_instances (
            pk TEXT PRIMARY KEY, service_id TEXT NOT NULL, instance_id TEXT NOT NULL,
            ecs_service TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX sd_instances_by_service ON sd_instances (service_id);
        CREATE INDEX sd_instances_by_instance ON sd_instances (instance_id);
        CREATE INDEX sd_instances_by_ecs_service ON sd_instances (ecs_service);
        CREATE TABLE sd_operations (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, created TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX sd_operations_by_scope ON sd_operations (account, region, created);
        CREATE TABLE sd_meta (pk TEXT PRIMARY KEY, doc TEXT NOT NULL);
        """,
    ),
    Migration(
        13,
        "ECR: repositories (settings, policies, tags) and the images pushed to them",
        """
        CREATE TABLE ecr_repositories (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX ecr_repositories_by_name ON ecr_repositories (account, region, name);
        CREATE TABLE ecr_images (
            pk TEXT PRIMARY KEY, repository TEXT NOT NULL, digest TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX ecr_images_by_repository ON ecr_images (repository, digest);
        """,
    ),
    Migration(
        16,
        "IAM users, their access keys (secrets sealed), groups and memberships, and the managed and "
        "inline policies of users and groups",
        """
        CREATE TABLE iam_users (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, name_key TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX iam_users_by_name ON iam_users (account, name_key);
        CREATE TABLE iam_access_keys (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, user_key TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX iam_access_keys_by_user ON iam_access_keys (account, user_key);
        CREATE TABLE iam_groups (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, name_key TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX iam_groups_by_name ON iam_groups (account, name_key);
        CREATE TABLE iam_group_members (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, group_key TEXT NOT NULL, user_key TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX iam_group_members_by_group ON iam_group_members (account, group_key);
        CREATE INDEX iam_group_members_by_user ON iam_group_members (account, user_key);
        CREATE TABLE iam_principal_attachments (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, owner TEXT NOT NULL, policy_arn TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX iam_principal_attachments_by_owner ON iam_principal_attachments (account, owner);
        CREATE TABLE iam_principal_inline_policies (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX iam_principal_inline_policies_by_owner
            ON iam_principal_inline_policies (account, owner, name);
        """,
    ),
    Migration(
        17,
        "ELBv2 and ACM: load balancers, target groups, listeners, rules, registered targets, tags, "
        "the generation of balancer records, certificates",
        """
        CREATE TABLE elb_load_balancers (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            address TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX elb_load_balancers_by_name ON elb_load_balancers (account, region, name);
        CREATE INDEX elb_load_balancers_by_address ON elb_load_balancers (address);
        CREATE TABLE elb_target_groups (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX elb_target_groups_by_name ON elb_target_groups (account, region, name);
        CREATE TABLE elb_listeners (
            pk TEXT PRIMARY KEY, load_balancer TEXT NOT NULL, port INTEGER NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX elb_listeners_by_load_balancer ON elb_listeners (load_balancer, port);
        CREATE TABLE elb_rules (
            pk TEXT PRIMARY KEY, listener TEXT NOT NULL, priority INTEGER NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX elb_rules_by_listener ON elb_rules (listener, priority);
        CREATE TABLE elb_targets (pk TEXT PRIMARY KEY, target_group TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX elb_targets_by_target_group ON elb_targets (target_group);
        CREATE TABLE elb_tags (pk TEXT PRIMARY KEY, doc TEXT NOT NULL);
        CREATE TABLE elb_meta (pk TEXT PRIMARY KEY, doc TEXT NOT NULL);
        CREATE TABLE acm_certificates (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, domain TEXT NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX acm_certificates_by_scope ON acm_certificates (account, region, domain);
        """,
    ),
    Migration(
        19,
        "CloudWatch Logs: log groups (retention), log streams (event span, stored bytes), log "
        "events indexed per stream and per group by time, and the awslogs collectors' cursors",
        """
        CREATE TABLE log_groups (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            gid INTEGER NOT NULL, retention INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
        CREATE INDEX log_groups_by_name ON log_groups (account, region, name);
        CREATE INDEX log_groups_by_retention ON log_groups (retention);
        CREATE TABLE log_streams (
            sid INTEGER PRIMARY KEY, gid INTEGER NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL,
            first_event INTEGER, last_event INTEGER, last_ingestion INTEGER,
            stored_bytes INTEGER NOT NULL DEFAULT 0);
        CREATE UNIQUE INDEX log_streams_by_name ON log_streams (gid, name);
        CREATE INDEX log_streams_by_last_event ON log_streams (gid, last_event);
        CREATE TABLE log_events (
            id INTEGER PRIMARY KEY, gid INTEGER NOT NULL, sid INTEGER NOT NULL, ts INTEGER NOT NULL,
            ingested INTEGER NOT NULL, message TEXT NOT NULL);
        CREATE INDEX log_events_by_stream ON log_events (sid, ts, id);
        CREATE INDEX log_events_by_group ON log_events (gid, ts, id);
        CREATE TABLE log_cursors (pk TEXT PRIMARY KEY, doc TEXT NOT NULL);
        """,
    ),
    Migration(
        20,
        "CloudWatch: the metric catalogue, datapoint rows per storage level, alarms, alarm history, "
        "compaction watermarks",
        """
        CREATE TABLE cw_metrics (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
            name TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX cw_metrics_by_name ON cw_metrics (account, region, namespace, name);
        CREATE TABLE cw_datapoints (
            pk TEXT PRIMARY KEY, metric TEXT NOT NULL, res INTEGER NOT NULL, bucket INTEGER NOT NULL,
            doc TEXT NOT NULL);
        CREATE INDEX cw_datapoints_by_metric ON cw_datapoints (metric, res, bucket);
        CREATE INDEX cw_datapoints_by_age ON cw_datapoints (res, bucket);
        CREATE TABLE cw_alarms (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            state TEXT NOT NULL, metric TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX cw_alarms_by_name ON cw_alarms (account, region, name);
        CREATE INDEX cw_alarms_by_state ON cw_alarms (state);
        CREATE INDEX cw_alarms_by_metric ON cw_alarms (account, region, metric);
        CREATE TABLE cw_alarm_history (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, alarm_name TEXT NOT NULL,
            item_type TEXT NOT NULL, created TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX cw_alarm_history_by_alarm ON cw_alarm_history (account, region, alarm_name, created);
        CREATE INDEX cw_alarm_history_by_age ON cw_alarm_history (created);
        CREATE TABLE cw_meta (pk TEXT PRIMARY KEY, doc TEXT NOT NULL);
        """,
    ),
    Migration(
        22,
        "Application Auto Scaling: scalable targets, scaling policies, scheduled actions, scaling activities",
        """
        CREATE TABLE aas_targets (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
            resource_id TEXT NOT NULL, arn TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX aas_targets_by_scope ON aas_targets (account, region, namespace, resource_id);
        CREATE INDEX aas_targets_by_arn ON aas_targets (arn);
        CREATE TABLE aas_policies (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
            resource_id TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX aas_policies_by_scope ON aas_policies (account, region, namespace, resource_id, name);
        CREATE TABLE aas_scheduled_actions (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
            resource_id TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX aas_scheduled_by_scope
            ON aas_scheduled_actions (account, region, namespace, resource_id, name);
        CREATE TABLE aas_activities (
            pk TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, namespace TEXT NOT NULL,
            resource_id TEXT NOT NULL, started TEXT NOT NULL, doc TEXT NOT NULL);
        CREATE INDEX aas_activities_by_scope
            ON aas_activities (account, region, namespace, resource_id, started);
        """,
    ),
)

LATEST_VERSION = max(m.version for m in MIGRATIONS)
