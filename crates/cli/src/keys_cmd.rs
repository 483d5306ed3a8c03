//! `docscreen keys add|list|revoke`: API keys of the service, stored hashed
//! in the data directory. `add` prints the new key as its last line (the
//! only time it is shown).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use docscreen_service::{Role, Store, StoreConfig};

use crate::Failure;

/// Manage the service's API keys.
#[derive(Debug, Args)]
pub(crate) struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key; the key is the last line of the output.
    Add {
        /// officer (screen, read own cases), lab (screen, read all,
        /// evidence, metrics) or admin (also keys, deletion, audit).
        #[arg(long)]
        role: Role,
        /// Who or what holds it.
        #[arg(long, default_value = "")]
        label: String,
        #[arg(long, default_value = "docscreen-data", value_name = "DIR")]
        /// The service's data directory.
        data: PathBuf,
    },
    /// List keys (ids, roles, labels; never the keys).
    List {
        #[arg(long, default_value = "docscreen-data", value_name = "DIR")]
        /// The service's data directory.
        data: PathBuf,
    },
    /// Revoke a key by id.
    Revoke {
        /// The key's id (`keys list`).
        id: String,
        #[arg(long, default_value = "docscreen-data", value_name = "DIR")]
        /// The service's data directory.
        data: PathBuf,
    },
}

pub(crate) fn run(args: &KeysArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::io(e.into()))?;
    runtime.block_on(keys(&args.command))
}

async fn open(data: &std::path::Path) -> Result<Store, Failure> {
    Store::open(&StoreConfig::local(data, true))
        .await
        .with_context(|| format!("cannot open the data directory {}", data.display()))
        .map_err(Failure::usage)
}

async fn keys(cmd: &KeysCommand) -> Result<(), Failure> {
    match cmd {
        KeysCommand::Add { role, label, data } => {
            let store = open(data).await?;
            let (id, key) = docscreen_service::create_key(&store, *role, label)
                .await
                .map_err(Failure::io)?;
            store
                .audit("cli", "key.add", &id, "local")
                .await
                .map_err(|e| Failure::io(e.into()))?;
            crate::out(&format!(
                "created {role} key {id}; it is shown once:\n{key}\n"
            ))
        }
        KeysCommand::List { data } => {
            use std::fmt::Write;
            let store = open(data).await?;
            let mut text = String::from(
                "id        role     created                   revoked                   label\n",
            );
            for k in store.keys().await.map_err(|e| Failure::io(e.into()))? {
                let _ = writeln!(
                    text,
                    "{:<9} {:<8} {:<25} {:<25} {}",
                    k.id,
                    k.role.as_str(),
                    k.created_at,
                    k.revoked_at.as_deref().unwrap_or("-"),
                    k.label
                );
            }
            crate::out(&text)
        }
        KeysCommand::Revoke { id, data } => {
            let store = open(data).await?;
            if !store
                .revoke_key(id)
                .await
                .map_err(|e| Failure::io(e.into()))?
            {
                return Err(Failure::usage(anyhow::anyhow!(
                    "no active key {id:?}: see `docscreen keys list`"
                )));
            }
            store
                .audit("cli", "key.revoke", id, "local")
                .await
                .map_err(|e| Failure::io(e.into()))?;
            crate::out(&format!("revoked key {id}\n"))
        }
    }
}
