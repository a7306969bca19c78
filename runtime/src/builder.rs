//! Building a runtime: its configuration, the embedder's import modules
//! linked next to the built-in `svm` and `strata` ones, and the embedder's
//! state.

use std::any::Any;
use std::sync::{Arc, Mutex};

use strata_host_fns::{HostFnDesc, HostModule, Strata, Svm, WasmiModule, WasmiState};
use strata_kv::KvStore;
use wasmi::{Engine, Linker};

use crate::caches::Caches;
use crate::exec::{TxHost, TxState};
use crate::journal::{Extension, ExtensionSlot};
use crate::{BlockKv, Runtime, RuntimeConfig, RuntimeError, Shared, WasmEngine};

type LinkFn<K> = Box<
    dyn Fn(&mut Linker<WasmiState<TxHost<K>>>) -> Result<(), wasmi::errors::LinkerError>
        + Send
        + Sync,
>;

/// An embedder's import module: its table, and how to link it into each
/// engine.
struct EmbedderModule<K: KvStore + 'static> {
    functions: &'static [HostFnDesc],
    link: LinkFn<K>,
    /// `None` for an external module (answered by the node; wasmi only).
    #[cfg(feature = "wasmtime")]
    link_wasmtime: Option<crate::exec::WasmtimeLinkFn<K>>,
}

/// Builds a [`Runtime`]: configuration, embedder host modules and state.
pub struct RuntimeBuilder<K: KvStore + 'static> {
    kv: K,
    config: RuntimeConfig,
    modules: Vec<EmbedderModule<K>>,
    extension: Option<ExtensionSlot>,
    /// Whether a module is external.
    external: bool,
}

impl<K: KvStore + 'static> RuntimeBuilder<K> {
    /// A builder over `kv` with the default configuration.
    pub(crate) fn new(kv: K) -> Self {
        RuntimeBuilder {
            kv,
            config: RuntimeConfig::default(),
            modules: Vec::new(),
            extension: None,
            external: false,
        }
    }

    /// Sets the configuration.
    pub fn config(mut self, config: RuntimeConfig) -> Self {
        self.config = config;
        self
    }

    /// Adds an embedder's import module, declared with
    /// [`strata_host_fns::host_functions!`]: pass the module's struct, as in
    /// `.host_module(Node)`. Its functions are linked over the runtime's
    /// own host, and checked at deploy like the built-in ones; a name taken
    /// by another module fails [`build`](Self::build).
    ///
    /// On [`WasmEngine::Wasmtime`](crate::WasmEngine::Wasmtime) a module
    /// made by `host_functions!` is linked from the same table; a module
    /// written by hand must provide
    /// [`WasmiModule::link_wasmtime_module`] (with the `wasmtime` feature),
    /// or `build` fails.
    pub fn host_module<M: WasmiModule + Send + Sync + 'static>(mut self, module: M) -> Self {
        let functions = module.functions();
        let module = Arc::new(module);
        #[cfg(feature = "wasmtime")]
        let link_wasmtime: crate::exec::WasmtimeLinkFn<K> = {
            let module = module.clone();
            Box::new(move |linker| module.link_wasmtime_module(linker))
        };
        self.modules.push(EmbedderModule {
            functions,
            link: Box::new(move |linker| module.link_wasmi(linker)),
            #[cfg(feature = "wasmtime")]
            link_wasmtime: Some(link_wasmtime),
        });
        self
    }

    /// Adds an embedder's import module whose functions the node answers
    /// later: a contract's call of one of them stops a transaction started
    /// with [`Runtime::start`] and hands the node a
    /// [`PendingTx`](crate::PendingTx) (the call, and the caller's memory
    /// and registers), until the node resumes it with the result.
    ///
    /// Pass the module's struct, declared with
    /// [`strata_host_fns::host_functions!`] as for
    /// [`host_module`](Self::host_module): its table gives the names, types
    /// and gas (charged exactly as inline, before the node is asked); its
    /// implementations are not used. A transaction run with
    /// [`Runtime::execute`] or [`Runtime::query`] that calls one fails with
    /// [`RuntimeError::HostFunction`].
    pub fn external_module<M: HostModule + Send + Sync + 'static>(mut self, module: M) -> Self {
        let functions = module.functions();
        self.external = true;
        self.modules.push(EmbedderModule {
            functions,
            link: Box::new(move |linker| {
                functions
                    .iter()
                    .try_for_each(|f| crate::exec::link_external(linker, f))
            }),
            #[cfg(feature = "wasmtime")]
            link_wasmtime: None,
        });
        self
    }

    /// The embedder's own state, which its host functions reach through
    /// [`strata_host_fns::Host::extension`]. It is **not** rolled back when
    /// a transaction or a nested call fails: a change a host function makes
    /// stays even when the contract's writes are discarded. State that must
    /// follow the transaction's fate (a balance the node holds) belongs in
    /// [`journaled_extension`](Self::journaled_extension). Replaces any
    /// extension set before.
    pub fn extension(mut self, state: Box<dyn Any + Send>) -> Self {
        self.extension = Some(ExtensionSlot::plain(state));
        self
    }

    /// The embedder's own state, rolled back and committed with each
    /// block, transaction and nested call (see [`Extension`]; [`Journal`]
    /// and [`JournalMap`] are ready-made). Host functions reach it through
    /// [`strata_host_fns::Host::extension`] and
    /// [`Runtime::with_extension`] does too, downcast to `E`. Replaces any
    /// extension set before.
    ///
    /// [`Journal`]: crate::Journal
    /// [`JournalMap`]: crate::JournalMap
    pub fn journaled_extension<E: Extension>(mut self, state: E) -> Self {
        self.extension = Some(ExtensionSlot::journaled(Box::new(state)));
        self
    }

    /// The runtime.
    pub fn build(self) -> Result<Runtime<K>, RuntimeError> {
        let config = self.config;
        let wasm = config.wasmi_config();
        let engine = Engine::new(&wasm);
        let mut linker = Linker::new(&engine);
        let link_err = |e: wasmi::errors::LinkerError| RuntimeError::Link(e.to_string());
        Svm::link(&mut linker).map_err(link_err)?;
        Strata::link(&mut linker).map_err(link_err)?;
        let mut host_fns: Vec<&'static HostFnDesc> =
            Svm::FUNCTIONS.iter().chain(Strata::FUNCTIONS).collect();
        for module in &self.modules {
            (module.link)(&mut linker).map_err(link_err)?;
            host_fns.extend(module.functions.iter());
        }
        #[cfg(feature = "wasmtime")]
        let wasmtime = match config.engine {
            WasmEngine::Wasmi => None,
            WasmEngine::Wasmtime => Some(crate::exec::WasmtimeBackend::new(
                &config,
                self.modules.iter().map(|m| {
                    let name = m.functions.first().map_or("?", |f| f.module);
                    (name, m.link_wasmtime.as_ref())
                }),
            )?),
        };
        #[cfg(not(feature = "wasmtime"))]
        if config.engine == WasmEngine::Wasmtime {
            return Err(RuntimeError::Link(
                "the wasmtime engine needs strata-runtime's `wasmtime` feature".into(),
            ));
        }
        let kv = BlockKv::new(self.kv);
        let mut state = TxState::new(kv.clone(), Caches::new(&config));
        state.extension = self.extension;
        Ok(Runtime {
            shared: Arc::new(Shared {
                kv,
                engine,
                linker,
                #[cfg(feature = "wasmtime")]
                wasmtime,
                host_fns,
                exec: Mutex::new(Some(Box::new(state))),
                external: self.external,
                gate: Mutex::new(false),
                worker: Mutex::new(None),
                account_nodes: crate::global::NodeCache::new(),
                lifecycle: crate::lifecycle::LifecycleCache::new(),
                remembered: crate::remembered::Remembered::new(),
                config,
            }),
        })
    }
}
