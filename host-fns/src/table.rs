//! The table: how host functions are declared, and what is derived from a
//! declaration.

/// A WebAssembly value type a host function takes or returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
}

impl ValType {
    /// The WebAssembly text name (`i32`, `i64`).
    pub const fn wat(self) -> &'static str {
        match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
        }
    }
}

/// A value passed to or returned from a host function called natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
}

impl Value {
    /// The value's type.
    pub const fn ty(self) -> ValType {
        match self {
            Value::I32(_) => ValType::I32,
            Value::I64(_) => ValType::I64,
        }
    }
}

/// A host function's gas cost: `base + per_byte * (value of the length
/// argument)`, charged before the function runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GasCost {
    /// Charged on every call.
    pub base: u64,
    /// Charged per byte, with the argument that counts the bytes.
    pub per_byte: Option<(u64, &'static str)>,
}

impl GasCost {
    /// The cost for a call whose length argument is `len`.
    pub fn for_len(&self, len: u32) -> u64 {
        match self.per_byte {
            Some((per, _)) => self.base.saturating_add(per.saturating_mul(u64::from(len))),
            None => self.base,
        }
    }
}

/// One host function, as declared in a table.
///
/// Most functions have one signature, and their `symbol` is their `name`.
/// A *variant* shares its import `name` with other functions of its module
/// and differs from them in its parameters (SVM's vmcalls changed
/// signatures during 2019 under the same names). Deploy resolves each import
/// by name *and* signature, and a variant is linked under its own `symbol`,
/// which deploy writes into the stored module's import in place of the name
/// (wasm engines link one function per module and name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostFnDesc {
    /// The import module.
    pub module: &'static str,
    /// The import name a contract uses.
    pub name: &'static str,
    /// The name the function is linked under, unique in its module: the
    /// name itself, or for a variant the name the table gives it (never the
    /// import name of any function).
    pub symbol: &'static str,
    /// Parameter names and types, in order.
    pub params: &'static [(&'static str, ValType)],
    /// Result types (none or one).
    pub results: &'static [ValType],
    /// Gas cost.
    pub gas: GasCost,
    /// Documentation (markdown).
    pub docs: &'static str,
}

/// An import module of host functions, made by [`host_functions!`](crate::host_functions).
pub trait HostModule {
    /// The import module's name.
    fn name(&self) -> &'static str;
    /// Every function of the module.
    fn functions(&self) -> &'static [HostFnDesc];
    /// The first function imported as `name`, if any (a name with
    /// variants has several: see [`HostModule::variants`]).
    fn function(&self, name: &str) -> Option<&'static HostFnDesc> {
        self.functions().iter().find(|f| f.name == name)
    }
    /// Every function imported as `name`, one per signature.
    fn variants(&self, name: &str) -> Vec<&'static HostFnDesc> {
        self.functions().iter().filter(|f| f.name == name).collect()
    }
}

impl HostFnDesc {
    /// Whether this function is a variant linked under a symbol other than
    /// its import name.
    pub fn is_variant(&self) -> bool {
        self.symbol != self.name
    }

    /// Whether `params -> results` is this function's signature.
    pub fn matches(&self, params: &[ValType], results: &[ValType]) -> bool {
        self.results == results
            && self.params.len() == params.len()
            && self.params.iter().zip(params).all(|((_, a), b)| a == b)
    }
}

#[doc(hidden)]
#[macro_export]
macro_rules! __ret_ty {
    () => {
        ()
    };
    ($t:ident) => {
        $t
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __val_type {
    (i32) => {
        $crate::ValType::I32
    };
    (i64) => {
        $crate::ValType::I64
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __to_value {
    ($r:ident) => {{
        let () = $r;
        None
    }};
    ($r:ident, i32) => {
        Some($crate::Value::I32($r))
    };
    ($r:ident, i64) => {
        Some($crate::Value::I64($r))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __from_value {
    ($v:expr, i32) => {
        match $v {
            $crate::Value::I32(x) => Some(x),
            _ => None,
        }
    };
    ($v:expr, i64) => {
        match $v {
            $crate::Value::I64(x) => Some(x),
            _ => None,
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __import_name {
    ($name:ident) => {
        stringify!($name)
    };
    ($name:ident, $import:literal) => {
        $import
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __per_byte {
    () => {
        None
    };
    ($per:literal, $len:ident) => {
        Some(($per, stringify!($len)))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __len_of {
    () => {
        0u32
    };
    ($len:ident) => {
        $len as u32
    };
}

#[cfg(feature = "wasmi")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_wasmi {
    ($($t:tt)*) => { $($t)* };
}

#[cfg(not(feature = "wasmi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_wasmi {
    ($($t:tt)*) => {};
}

#[cfg(feature = "wasmtime")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_wasmtime {
    ($($t:tt)*) => { $($t)* };
}

#[cfg(not(feature = "wasmtime"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_wasmtime {
    ($($t:tt)*) => {};
}

/// Declares an import module of host functions: **the one table**.
///
/// Each entry gives the function's docs, name, parameters (`i32` or `i64`),
/// result, gas cost and implementation. An entry written
/// `fn storage_read_to_reg_dec19(..) as "storage_read_to_reg";` is a
/// *variant*: contracts import it as `storage_read_to_reg` with its own
/// signature, and it is linked under its Rust name (see [`HostFnDesc`]).
/// From the table the macro makes a unit struct with:
///
/// - one associated function per host function, generic over any
///   [`CustomContextVM`](crate::CustomContextVM) and any [`Host`](crate::Host),
///   which charges the declared gas, runs the implementation and names the
///   function in any error (call these natively, in tests or elsewhere);
/// - `invoke(mem, host, name, args)`: the same, dispatched by name with
///   dynamically typed [`Value`](crate::Value)s;
/// - `link(linker)` (feature `wasmi`): every function defined in a wasmi
///   `Linker<WasmiState<H>>`;
/// - `link_wasmtime(linker)` (feature `wasmtime`): the same functions, from
///   the same entries, defined in a wasmtime `Linker<WasmtimeState<H>>`;
/// - a [`HostModule`] implementation listing [`HostFnDesc`]s, from which the
///   C header, the ABI reference and deploy-time import checks are made.
///
/// An implementation has the signature `fn(&mut M, &mut H, args...) ->
/// Result<R, HostErrorKind>` with `M: CustomContextVM + ?Sized` and `H: Host
/// + ?Sized`. Embedders declare their own modules the same way.
///
/// ```
/// use strata_host_fns::{CustomContextVM, Host, HostErrorKind, HostModule, host_functions};
///
/// fn answer<M: CustomContextVM + ?Sized, H: Host + ?Sized>(
///     _mem: &mut M,
///     _host: &mut H,
///     plus: i32,
/// ) -> Result<i32, HostErrorKind> {
///     Ok(42 + plus)
/// }
///
/// host_functions! {
///     /// An example module.
///     pub struct Example = "example";
///
///     /// Returns 42 plus `plus`.
///     fn answer(plus: i32) -> i32;
///         gas 7;
///         impl answer;
/// }
///
/// assert_eq!(Example.functions()[0].gas.base, 7);
/// let mut host = strata_host_fns::testing::MockHost::new(1000);
/// let mut mem = vec![0u8; 16];
/// assert_eq!(Example::answer(&mut mem, &mut host, 1), Ok(43));
/// assert_eq!(host.gas_left(), 993);
/// ```
#[macro_export]
macro_rules! host_functions {
    (
        $(#[$mattr:meta])*
        $vis:vis struct $Module:ident = $modname:literal;
        $(
            $(#[doc = $doc:literal])*
            fn $name:ident ( $( $arg:ident : $ty:ident ),* $(,)? ) $( -> $ret:ident )? $( as $import:literal )? ;
                gas $base:literal $( + $per:literal * $len:ident )? ;
                impl $imp:path ;
        )*
    ) => {
        $(#[$mattr])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        $vis struct $Module;

        #[allow(clippy::too_many_arguments, clippy::unused_unit)]
        impl $Module {
            /// The import module's name.
            pub const NAME: &'static str = $modname;

            /// Every function of this module, as declared.
            pub const FUNCTIONS: &'static [$crate::HostFnDesc] = &[
                $(
                    $crate::HostFnDesc {
                        module: $modname,
                        name: $crate::__import_name!($name $(, $import)?),
                        symbol: stringify!($name),
                        params: &[ $( (stringify!($arg), $crate::__val_type!($ty)) ),* ],
                        results: &[ $( $crate::__val_type!($ret) )? ],
                        gas: $crate::GasCost {
                            base: $base,
                            per_byte: $crate::__per_byte!($( $per, $len )?),
                        },
                        docs: concat!($( $doc, "\n" ),*),
                    }
                ),*
            ];

            $(
                $(#[doc = $doc])*
                pub fn $name<M, H>(
                    mem: &mut M,
                    host: &mut H,
                    $( $arg: $ty ),*
                ) -> Result<$crate::__ret_ty!($($ret)?), $crate::HostError>
                where
                    M: $crate::CustomContextVM + ?Sized,
                    H: $crate::Host + ?Sized,
                {
                    let cost = $crate::GasCost {
                        base: $base,
                        per_byte: $crate::__per_byte!($( $per, $len )?),
                    }
                    .for_len($crate::__len_of!($($len)?));
                    let wrap = |kind| $crate::HostError::new(
                        $modname,
                        $crate::__import_name!($name $(, $import)?),
                        kind,
                    );
                    host.charge(cost).map_err(wrap)?;
                    $imp(mem, host, $( $arg ),*).map_err(wrap)
                }
            )*

            /// Calls the function linked as `name` (its
            /// [`symbol`](crate::HostFnDesc::symbol)) with dynamically typed
            /// arguments: the native twin of a call from a contract.
            pub fn invoke<M, H>(
                mem: &mut M,
                host: &mut H,
                name: &str,
                args: &[$crate::Value],
            ) -> Result<Option<$crate::Value>, $crate::HostError>
            where
                M: $crate::CustomContextVM + ?Sized,
                H: $crate::Host + ?Sized,
            {
                match name {
                    $(
                        stringify!($name) => {
                            let params: &[(&str, $crate::ValType)] =
                                &[ $( (stringify!($arg), $crate::__val_type!($ty)) ),* ];
                            let bad = |reason: String| $crate::HostError::new(
                                $modname,
                                $crate::__import_name!($name $(, $import)?),
                                $crate::HostErrorKind::invalid("args", reason),
                            );
                            if args.len() != params.len() {
                                return Err(bad(format!(
                                    "{} arguments given, {} expected",
                                    args.len(),
                                    params.len()
                                )));
                            }
                            let mut _next = args.iter().copied();
                            $(
                                let $arg = _next
                                    .next()
                                    .and_then(|v| $crate::__from_value!(v, $ty))
                                    .ok_or_else(|| bad(format!(
                                        "`{}` must be {}",
                                        stringify!($arg),
                                        stringify!($ty)
                                    )))?;
                            )*
                            let _r = Self::$name(mem, host, $( $arg ),*)?;
                            Ok($crate::__to_value!(_r $(, $ret)?))
                        }
                    )*
                    _ => Err($crate::HostError::new(
                        $modname,
                        "?",
                        $crate::HostErrorKind::invalid(
                            "name",
                            format!("module {} has no function {name:?}", $modname),
                        ),
                    )),
                }
            }
        }

        impl $crate::HostModule for $Module {
            fn name(&self) -> &'static str {
                $modname
            }
            fn functions(&self) -> &'static [$crate::HostFnDesc] {
                Self::FUNCTIONS
            }
        }

        $crate::__if_wasmi! {
            impl $Module {
                /// Defines every function of this module in a wasmi linker,
                /// each under its [`symbol`](crate::HostFnDesc::symbol).
                pub fn link<H: $crate::Host + 'static>(
                    linker: &mut $crate::wasmi::Linker<$crate::WasmiState<H>>,
                ) -> Result<(), $crate::wasmi::errors::LinkerError> {
                    $(
                        linker.func_wrap(
                            $modname,
                            stringify!($name),
                            |mut caller: $crate::wasmi::Caller<'_, $crate::WasmiState<H>>, $( $arg: $ty ),*|
                                -> Result<$crate::__ret_ty!($($ret)?), $crate::wasmi::Error>
                            {
                                $crate::with_wasmi_host(&mut caller, |mem, host| {
                                    Self::$name(mem, host, $( $arg ),*)
                                })
                            },
                        )?;
                    )*
                    Ok(())
                }
            }

            impl $crate::WasmiModule for $Module {
                fn link_wasmi<H: $crate::Host + 'static>(
                    &self,
                    linker: &mut $crate::wasmi::Linker<$crate::WasmiState<H>>,
                ) -> Result<(), $crate::wasmi::errors::LinkerError> {
                    Self::link(linker)
                }

                $crate::__if_wasmtime! {
                    fn link_wasmtime_module<H: $crate::Host + 'static>(
                        &self,
                        linker: &mut $crate::wasmtime::Linker<$crate::WasmtimeState<H>>,
                    ) -> $crate::wasmtime::Result<()> {
                        Self::link_wasmtime(linker)
                    }
                }
            }

            $crate::__if_wasmtime! {
                impl $Module {
                    /// Defines every function of this module in a wasmtime
                    /// linker, each under its
                    /// [`symbol`](crate::HostFnDesc::symbol): the same
                    /// entries, and the same typed entry points, as
                    /// [`link`](Self::link) for wasmi.
                    pub fn link_wasmtime<H: $crate::Host + 'static>(
                        linker: &mut $crate::wasmtime::Linker<$crate::WasmtimeState<H>>,
                    ) -> $crate::wasmtime::Result<()> {
                        $(
                            linker.func_wrap(
                                $modname,
                                stringify!($name),
                                |mut caller: $crate::wasmtime::Caller<'_, $crate::WasmtimeState<H>>, $( $arg: $ty ),*|
                                    -> $crate::wasmtime::Result<$crate::__ret_ty!($($ret)?)>
                                {
                                    $crate::with_wasmtime_host(&mut caller, |mem, host| {
                                        Self::$name(mem, host, $( $arg ),*)
                                    })
                                },
                            )?;
                        )*
                        Ok(())
                    }
                }
            }
        }
    };
}
