//! Identity's tables, written once for SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct IdentityMigrator;

#[async_trait::async_trait]
impl MigratorTrait for IdentityMigrator {
    fn migration_table_name() -> DynIden {
        "seaql_migrations_identity".into_iden()
    }

    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateIdentityTables)]
    }
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Name,
    Slug,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    FullName,
    Phone,
    Locale,
    IsPlatformOperator,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    TenantId,
    UserId,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    TenantId,
    Key,
    Name,
    Description,
    Permissions,
    BuiltIn,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MemberRoles {
    Table,
    TenantId,
    UserId,
    RoleId,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TenantId,
    UserId,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
    RevokedReason,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    SessionId,
    TenantId,
    TokenHash,
    Status,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    TenantId,
    Name,
    Prefix,
    SecretHash,
    Permissions,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    TenantId,
    Email,
    RoleIds,
    TokenHash,
    InvitedBy,
    Status,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    TenantId,
    ActorType,
    ActorId,
    Action,
    TargetType,
    TargetId,
    Ip,
    UserAgent,
    RequestId,
    Details,
    OccurredAt,
}

#[derive(DeriveIden)]
enum OidcLogins {
    Table,
    State,
    Provider,
    CodeVerifier,
    Nonce,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum UserIdentities {
    Table,
    Provider,
    Subject,
    UserId,
    Email,
    CreatedAt,
}

struct CreateIdentityTables;

impl MigrationName for CreateIdentityTables {
    fn name(&self) -> &str {
        "m0001_create_identity_tables"
    }
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for CreateIdentityTables {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Tenants::Table)
                .if_not_exists()
                .col(uuid(Tenants::Id).primary_key())
                .col(string(Tenants::Name))
                .col(string_uniq(Tenants::Slug))
                .col(timestamp_with_time_zone(Tenants::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Users::Table)
                .if_not_exists()
                .col(uuid(Users::Id).primary_key())
                .col(string_uniq(Users::Email))
                .col(string_null(Users::PasswordHash))
                .col(string(Users::FullName))
                .col(string_null(Users::Phone))
                .col(string(Users::Locale))
                .col(boolean(Users::IsPlatformOperator))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Memberships::Table)
                .if_not_exists()
                .col(uuid(Memberships::TenantId))
                .col(uuid(Memberships::UserId))
                .col(string(Memberships::Status))
                .col(timestamp_with_time_zone(Memberships::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(Memberships::TenantId)
                        .col(Memberships::UserId),
                )
                .foreign_key(&mut fk(
                    "memberships_tenant",
                    (Memberships::Table, Memberships::TenantId),
                    (Tenants::Table, Tenants::Id),
                ))
                .foreign_key(&mut fk(
                    "memberships_user",
                    (Memberships::Table, Memberships::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("memberships_by_user")
                .table(Memberships::Table)
                .col(Memberships::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Roles::Table)
                .if_not_exists()
                .col(uuid(Roles::Id).primary_key())
                .col(uuid(Roles::TenantId))
                .col(string(Roles::Key))
                .col(string(Roles::Name))
                .col(string(Roles::Description))
                .col(json_binary(Roles::Permissions))
                .col(boolean(Roles::BuiltIn))
                .col(timestamp_with_time_zone(Roles::CreatedAt))
                .col(timestamp_with_time_zone(Roles::UpdatedAt))
                .foreign_key(&mut fk(
                    "roles_tenant",
                    (Roles::Table, Roles::TenantId),
                    (Tenants::Table, Tenants::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("roles_key_per_tenant")
                .table(Roles::Table)
                .col(Roles::TenantId)
                .col(Roles::Key)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MemberRoles::Table)
                .if_not_exists()
                .col(uuid(MemberRoles::TenantId))
                .col(uuid(MemberRoles::UserId))
                .col(uuid(MemberRoles::RoleId))
                .primary_key(
                    Index::create()
                        .col(MemberRoles::TenantId)
                        .col(MemberRoles::UserId)
                        .col(MemberRoles::RoleId),
                )
                .foreign_key(&mut fk(
                    "member_roles_role",
                    (MemberRoles::Table, MemberRoles::RoleId),
                    (Roles::Table, Roles::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .if_not_exists()
                .col(uuid(Sessions::Id).primary_key())
                .col(uuid(Sessions::TenantId))
                .col(uuid(Sessions::UserId))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::LastUsedAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                .col(string_null(Sessions::RevokedReason))
                .col(string_null(Sessions::Ip))
                .col(string_null(Sessions::UserAgent))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RefreshTokens::Table)
                .if_not_exists()
                .col(uuid(RefreshTokens::Id).primary_key())
                .col(uuid(RefreshTokens::SessionId))
                .col(uuid(RefreshTokens::TenantId))
                .col(string_uniq(RefreshTokens::TokenHash))
                .col(string(RefreshTokens::Status))
                .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                .foreign_key(&mut fk(
                    "refresh_tokens_session",
                    (RefreshTokens::Table, RefreshTokens::SessionId),
                    (Sessions::Table, Sessions::Id),
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ApiKeys::Table)
                .if_not_exists()
                .col(uuid(ApiKeys::Id).primary_key())
                .col(uuid(ApiKeys::TenantId))
                .col(string(ApiKeys::Name))
                .col(string_uniq(ApiKeys::Prefix))
                .col(string(ApiKeys::SecretHash))
                .col(json_binary(ApiKeys::Permissions))
                .col(uuid(ApiKeys::CreatedBy))
                .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiKeys::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiKeys::RevokedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Invitations::Table)
                .if_not_exists()
                .col(uuid(Invitations::Id).primary_key())
                .col(uuid(Invitations::TenantId))
                .col(string(Invitations::Email))
                .col(json_binary(Invitations::RoleIds))
                .col(string_uniq(Invitations::TokenHash))
                .col(uuid(Invitations::InvitedBy))
                .col(string(Invitations::Status))
                .col(timestamp_with_time_zone(Invitations::CreatedAt))
                .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .if_not_exists()
                .col(uuid(AuditLog::Id).primary_key())
                .col(uuid(AuditLog::TenantId))
                .col(string(AuditLog::ActorType))
                .col(uuid_null(AuditLog::ActorId))
                .col(string(AuditLog::Action))
                .col(string_null(AuditLog::TargetType))
                .col(string_null(AuditLog::TargetId))
                .col(string_null(AuditLog::Ip))
                .col(string_null(AuditLog::UserAgent))
                .col(string_null(AuditLog::RequestId))
                .col(json_binary(AuditLog::Details))
                .col(timestamp_with_time_zone(AuditLog::OccurredAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("audit_log_by_tenant")
                .table(AuditLog::Table)
                .col(AuditLog::TenantId)
                .col(AuditLog::Id)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OidcLogins::Table)
                .if_not_exists()
                .col(string(OidcLogins::State).primary_key())
                .col(string(OidcLogins::Provider))
                .col(string(OidcLogins::CodeVerifier))
                .col(string(OidcLogins::Nonce))
                .col(timestamp_with_time_zone(OidcLogins::CreatedAt))
                .col(timestamp_with_time_zone(OidcLogins::ExpiresAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UserIdentities::Table)
                .if_not_exists()
                .col(string(UserIdentities::Provider))
                .col(string(UserIdentities::Subject))
                .col(uuid(UserIdentities::UserId))
                .col(string(UserIdentities::Email))
                .col(timestamp_with_time_zone(UserIdentities::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(UserIdentities::Provider)
                        .col(UserIdentities::Subject),
                )
                .foreign_key(&mut fk(
                    "user_identities_user",
                    (UserIdentities::Table, UserIdentities::UserId),
                    (Users::Table, Users::Id),
                ))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UserIdentities::Table.into_iden(),
            OidcLogins::Table.into_iden(),
            AuditLog::Table.into_iden(),
            Invitations::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            MemberRoles::Table.into_iden(),
            Roles::Table.into_iden(),
            Memberships::Table.into_iden(),
            Users::Table.into_iden(),
            Tenants::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
