//! `Journal<T>` and `JournalMap<K, V>` against the simplest model of nested
//! levels: a stack of whole copies, one pushed at each checkpoint, popped
//! back at a rollback and dropped at a commit.

use std::collections::BTreeMap;

use proptest::prelude::*;
use strata_runtime::{Extension, Journal, JournalMap};

#[derive(Clone, Debug)]
enum Op {
    Checkpoint,
    Rollback,
    Commit,
    Insert(u8, u16),
    Remove(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::Checkpoint),
        1 => Just(Op::Rollback),
        1 => Just(Op::Commit),
        4 => (0u8..8, any::<u16>()).prop_map(|(k, v)| Op::Insert(k, v)),
        2 => (0u8..8).prop_map(Op::Remove),
    ]
}

/// The model: the value, and a copy of it per open level.
#[derive(Default)]
struct Model {
    value: BTreeMap<u8, u16>,
    levels: Vec<BTreeMap<u8, u16>>,
}

impl Model {
    fn apply(&mut self, op: &Op) {
        match op {
            Op::Checkpoint => self.levels.push(self.value.clone()),
            Op::Rollback => {
                if let Some(before) = self.levels.pop() {
                    self.value = before;
                }
            }
            Op::Commit => {
                self.levels.pop();
            }
            Op::Insert(k, v) => {
                self.value.insert(*k, *v);
            }
            Op::Remove(k) => {
                self.value.remove(k);
            }
        }
    }
}

proptest! {
    #[test]
    fn journals_match_a_stack_of_copies(ops in proptest::collection::vec(op(), 0..200)) {
        let mut model = Model::default();
        let mut map: JournalMap<u8, u16> = JournalMap::new();
        let mut journal: Journal<BTreeMap<u8, u16>> = Journal::new(BTreeMap::new());
        for op in &ops {
            model.apply(op);
            match op {
                Op::Checkpoint => {
                    map.checkpoint();
                    journal.checkpoint();
                }
                Op::Rollback => {
                    map.rollback();
                    journal.rollback();
                }
                Op::Commit => {
                    map.commit();
                    journal.commit();
                }
                Op::Insert(k, v) => {
                    map.insert(*k, *v);
                    journal.insert(*k, *v);
                }
                Op::Remove(k) => {
                    map.remove(k);
                    journal.remove(k);
                }
            }
            let seen: BTreeMap<u8, u16> = map.iter().map(|(k, v)| (*k, *v)).collect();
            prop_assert_eq!(&seen, &model.value, "JournalMap after {:?}", op);
            prop_assert_eq!(&*journal, &model.value, "Journal after {:?}", op);
            prop_assert_eq!(map.depth(), model.levels.len());
            prop_assert_eq!(journal.depth(), model.levels.len());
        }
    }
}
