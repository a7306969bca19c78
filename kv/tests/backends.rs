//! The behavioural suite of `common`, run against every backend, plus a
//! property test of each backend against a `BTreeMap` model.

mod common;

use std::collections::BTreeMap;

use proptest::prelude::*;
use strata_kv::{KvStore, MemKv, Namespace, WriteBatch};

kv_suite!(mem, strata_kv::MemKv::new());

#[cfg(feature = "rocksdb")]
kv_suite!(rocks, rocks_support::fresh());

#[cfg(feature = "rocksdb")]
mod rocks_support {
    /// A RocksKv in a fresh temporary directory that lives as long as it.
    pub struct TempRocks {
        kv: strata_kv::RocksKv,
        _dir: tempfile::TempDir,
    }

    impl strata_kv::KvStore for TempRocks {
        fn get(
            &self,
            ns: strata_kv::Namespace,
            key: &[u8],
        ) -> Result<Option<strata_kv::Bytes>, strata_kv::KvError> {
            self.kv.get(ns, key)
        }
        fn write(&self, batch: strata_kv::WriteBatch) -> Result<(), strata_kv::KvError> {
            self.kv.write(batch)
        }
        fn scan(
            &self,
            ns: strata_kv::Namespace,
            prefix: &[u8],
            visit: &mut strata_kv::Visitor<'_>,
        ) -> Result<(), strata_kv::KvError> {
            self.kv.scan(ns, prefix, visit)
        }
        fn write_generation(&self) -> Option<u64> {
            self.kv.write_generation()
        }
    }

    pub fn fresh() -> TempRocks {
        let dir = tempfile::tempdir().expect("tempdir");
        let kv =
            strata_kv::RocksKv::open_with(dir.path(), &strata_kv::RocksConfig::with_sync(false))
                .expect("open");
        TempRocks { kv, _dir: dir }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Put(u8, Vec<u8>, Vec<u8>),
    Delete(u8, Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    let ns = 0u8..3;
    let key = proptest::collection::vec(prop_oneof![Just(0u8), Just(1), Just(0xff)], 0..4);
    prop_oneof![
        (
            ns.clone(),
            key.clone(),
            proptest::collection::vec(any::<u8>(), 0..8)
        )
            .prop_map(|(n, k, v)| Op::Put(n, k, v)),
        (ns, key).prop_map(|(n, k)| Op::Delete(n, k)),
    ]
}

fn check_against_model(kv: &dyn KvStore, batches: &[Vec<Op>]) -> Result<(), TestCaseError> {
    let mut model: BTreeMap<(u8, Vec<u8>), Vec<u8>> = BTreeMap::new();
    for ops in batches {
        let mut b = WriteBatch::new();
        for op in ops {
            match op {
                Op::Put(n, k, v) => {
                    b.put(Namespace::new(*n), k.clone(), v.clone());
                    model.insert((*n, k.clone()), v.clone());
                }
                Op::Delete(n, k) => {
                    b.delete(Namespace::new(*n), k.clone());
                    model.remove(&(*n, k.clone()));
                }
            }
        }
        kv.write(b).unwrap();
    }
    for n in 0u8..3 {
        for prefix in [&[][..], &[0], &[0xff], &[1, 0xff]] {
            let got: Vec<(Vec<u8>, Vec<u8>)> = kv
                .scan_prefix(Namespace::new(n), prefix)
                .unwrap()
                .into_iter()
                .map(|(k, v)| (k.to_vec(), v.to_vec()))
                .collect();
            let want: Vec<(Vec<u8>, Vec<u8>)> = model
                .iter()
                .filter(|((mn, k), _)| *mn == n && k.starts_with(prefix))
                .map(|((_, k), v)| (k.clone(), v.clone()))
                .collect();
            prop_assert_eq!(got, want);
        }
    }
    for ((n, k), v) in &model {
        let got = kv.get(Namespace::new(*n), k).unwrap();
        prop_assert_eq!(got.as_deref(), Some(&v[..]));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn mem_matches_model(batches in proptest::collection::vec(proptest::collection::vec(op(), 0..6), 0..8)) {
        check_against_model(&MemKv::new(), &batches)?;
    }

    #[cfg(feature = "rocksdb")]
    #[test]
    fn rocks_matches_model(batches in proptest::collection::vec(proptest::collection::vec(op(), 0..6), 0..8)) {
        check_against_model(&rocks_support::fresh(), &batches)?;
    }
}
