//! How a frame fails: a receipt's error, a missing contract or function
//! (which a calling contract sees as its own status), or the runtime's own
//! failure; and the classification of wasmi's errors, by type.

use strata_host_fns::{CallStatus, HostError, HostErrorKind};

use crate::{ErrorKind, RuntimeError, TxError};

/// How a frame failed.
pub(crate) enum Failure {
    /// The transaction fails with a receipt.
    Tx(TxError),
    /// The transaction fails with a receipt, as [`Failure::Tx`], because
    /// what it names is not there; a calling contract sees `CallStatus`
    /// (no contract, or no such function) instead of a failed call.
    Missing(CallStatus, TxError),
    /// The runtime itself failed (storage I/O, corrupt records): no receipt,
    /// nothing applied.
    Fatal(RuntimeError),
}

impl Failure {
    /// What a calling contract sees of a failed callee (its status and
    /// error), or the runtime's own failure, which fails the caller too.
    pub(crate) fn into_call(self) -> Result<(CallStatus, TxError), RuntimeError> {
        match self {
            Failure::Tx(e) => Ok((CallStatus::Failed, e)),
            Failure::Missing(status, e) => Ok((status, e)),
            Failure::Fatal(e) => Err(e),
        }
    }

    /// The receipt's error, or the runtime's own failure.
    pub(crate) fn into_tx(self) -> Result<TxError, RuntimeError> {
        self.into_call().map(|(_, e)| e)
    }
}

impl From<RuntimeError> for Failure {
    fn from(e: RuntimeError) -> Self {
        Failure::Fatal(e)
    }
}

pub(crate) fn invalid(message: impl Into<String>) -> Failure {
    Failure::Tx(TxError::new(ErrorKind::InvalidTransaction, message))
}

/// An invalid transaction because `status` (no contract, no function).
pub(crate) fn missing(status: CallStatus, message: impl Into<String>) -> Failure {
    Failure::Missing(status, TxError::new(ErrorKind::InvalidTransaction, message))
}

/// Turns a wasmi error into a receipt error (or a fatal one).
pub(crate) fn classify(e: wasmi::Error) -> Failure {
    if let Some(h) = e.downcast_ref::<HostError>() {
        return host_failure(h);
    }
    let kind = wasm_error_kind(e.kind());
    Failure::Tx(TxError::new(kind, e.to_string()))
}

/// How a host function's error fails its frame, on any engine.
pub(crate) fn host_failure(h: &HostError) -> Failure {
    let kind = match &h.kind {
        HostErrorKind::OutOfGas => ErrorKind::OutOfGas,
        HostErrorKind::Abort { message } => {
            return Failure::Tx(TxError::new(ErrorKind::Abort, message.clone()));
        }
        HostErrorKind::ReadOnly => ErrorKind::ReadOnly,
        HostErrorKind::Host(message) => {
            return Failure::Fatal(RuntimeError::HostFunction {
                module: h.module,
                function: h.function,
                message: message.clone(),
            });
        }
        _ => ErrorKind::HostError,
    };
    Failure::Tx(TxError::new(kind, h.to_string()))
}

/// The receipt kind of a wasmi error, from its type (never its text, which
/// a wasmi upgrade may reword).
pub(crate) fn wasm_error_kind(kind: &wasmi::errors::ErrorKind) -> ErrorKind {
    use wasmi::TrapCode;
    use wasmi::errors::{ErrorKind as W, FuelError, MemoryError, TableError};
    match kind {
        W::TrapCode(TrapCode::OutOfFuel) => ErrorKind::OutOfGas,
        W::TrapCode(TrapCode::StackOverflow) => ErrorKind::StackOverflow,
        W::TrapCode(TrapCode::GrowthOperationLimited | TrapCode::OutOfSystemMemory) => {
            ErrorKind::ResourceLimit
        }
        W::TrapCode(_) => ErrorKind::Trap,
        W::Fuel(FuelError::OutOfFuel { .. })
        | W::Memory(MemoryError::OutOfFuel { .. })
        | W::Table(TableError::OutOfFuel { .. }) => ErrorKind::OutOfGas,
        W::Memory(MemoryError::OutOfBoundsAccess) => ErrorKind::Trap,
        W::Memory(_) | W::Table(_) | W::UserLimits(_) | W::ImplementationLimits(_) => {
            ErrorKind::ResourceLimit
        }
        _ => ErrorKind::Trap,
    }
}

#[cfg(test)]
mod tests {
    use wasmi::TrapCode;
    use wasmi::errors::{FuelError, MemoryError, TableError};

    use super::*;

    fn kind_of(e: impl Into<wasmi::Error>) -> ErrorKind {
        match classify(e.into()) {
            Failure::Tx(e) => e.kind,
            _ => panic!("a wasm error fails the transaction"),
        }
    }

    #[test]
    fn wasm_errors_are_classified_by_type() {
        assert_eq!(kind_of(TrapCode::OutOfFuel), ErrorKind::OutOfGas);
        assert_eq!(kind_of(TrapCode::StackOverflow), ErrorKind::StackOverflow);
        assert_eq!(
            kind_of(TrapCode::GrowthOperationLimited),
            ErrorKind::ResourceLimit
        );
        assert_eq!(
            kind_of(TrapCode::OutOfSystemMemory),
            ErrorKind::ResourceLimit
        );
        for trap in [
            TrapCode::UnreachableCodeReached,
            TrapCode::MemoryOutOfBounds,
            TrapCode::IntegerDivisionByZero,
            TrapCode::IndirectCallToNull,
            TrapCode::BadSignature,
        ] {
            assert_eq!(kind_of(trap), ErrorKind::Trap, "{trap:?}");
        }
        assert_eq!(
            kind_of(FuelError::OutOfFuel { required_fuel: 1 }),
            ErrorKind::OutOfGas
        );
        assert_eq!(
            kind_of(MemoryError::OutOfFuel { required_fuel: 1 }),
            ErrorKind::OutOfGas
        );
        assert_eq!(
            kind_of(MemoryError::ResourceLimiterDeniedAllocation),
            ErrorKind::ResourceLimit
        );
        assert_eq!(kind_of(MemoryError::OutOfBoundsAccess), ErrorKind::Trap);
        assert_eq!(
            kind_of(TableError::ResourceLimiterDeniedAllocation),
            ErrorKind::ResourceLimit
        );
        // Text never decides: a message that mentions a limit is a trap.
        assert_eq!(
            kind_of(wasmi::Error::new("over the limit")),
            ErrorKind::Trap
        );
    }

    #[test]
    fn host_errors_keep_their_kind() {
        let host = |kind| wasmi::Error::host(HostError::new("strata", "f", kind));
        assert_eq!(kind_of(host(HostErrorKind::OutOfGas)), ErrorKind::OutOfGas);
        assert_eq!(kind_of(host(HostErrorKind::ReadOnly)), ErrorKind::ReadOnly);
        assert_eq!(
            kind_of(host(HostErrorKind::invalid("ptr", "bad"))),
            ErrorKind::HostError
        );
        match classify(host(HostErrorKind::Abort {
            message: "no".into(),
        })) {
            Failure::Tx(e) => assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Abort, "no")),
            _ => panic!("an abort fails the transaction"),
        }
        assert_eq!(
            kind_of(host(HostErrorKind::Denied("no such account".into()))),
            ErrorKind::HostError
        );
        match classify(host(HostErrorKind::Host("disk".into()))) {
            Failure::Fatal(RuntimeError::HostFunction {
                module,
                function,
                message,
            }) => assert_eq!(
                (module, function, message.as_str()),
                ("strata", "f", "disk")
            ),
            _ => panic!("a host failure is fatal and names its function"),
        }
    }
}
