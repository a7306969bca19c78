//! A hot slice read next to a HashMap lookup and copy; registers.

use std::sync::Arc;

use hashbrown::HashMap;
use strata_kv::MemKv;
use strata_pages::{PAGE_SIZE, PageCache, PageCacheConfig};
use strata_registers::{BankLayout, Registers};
use strata_slices::{SliceLayout, Slices};

/// A cached page read as a 32-byte slice, and the same page in a `HashMap`.
pub struct HotSlice {
    slices: Slices<Arc<MemKv>>,
    map: HashMap<u32, Box<[u8; PAGE_SIZE]>>,
    slice: SliceLayout,
    out: [u8; 32],
}

impl Default for HotSlice {
    fn default() -> Self {
        Self::new()
    }
}

impl HotSlice {
    /// Page 5 of 16, written, committed, and cached.
    pub fn new() -> Self {
        let kv = Arc::new(MemKv::new());
        let mut slices = Slices::new(PageCache::create(kv, 16, PageCacheConfig::default()));
        slices.write(5, 64, &[9u8; 32]).expect("write");
        slices.commit_and_apply().expect("commit");
        let slice = SliceLayout::new(5, 64, 32).expect("slice");
        let _ = slices.read(slice);
        let mut map = HashMap::new();
        let mut page = Box::new([0u8; PAGE_SIZE]);
        page[64..96].fill(9);
        map.insert(5u32, page);
        HotSlice {
            slices,
            map,
            slice,
            out: [0; 32],
        }
    }

    /// 32 bytes through the slice layer (page cache hit).
    pub fn ours(&mut self) -> u8 {
        if let Ok(bytes) = self.slices.read(self.slice) {
            self.out.copy_from_slice(bytes);
        }
        self.out[0]
    }

    /// 32 bytes from a `HashMap` of pages.
    pub fn base(&mut self) -> u8 {
        if let Some(p) = self.map.get(&5) {
            self.out.copy_from_slice(&p[64..96]);
        }
        self.out[0]
    }
}

/// A register set and get.
pub struct RegisterPair {
    regs: Registers,
    n: u64,
}

impl Default for RegisterPair {
    fn default() -> Self {
        RegisterPair {
            regs: Registers::new(&BankLayout::svm_default()),
            n: 0,
        }
    }
}

impl RegisterPair {
    /// Sets the 64-bit register 3 and reads it back.
    pub fn run(&mut self) -> i64 {
        self.n += 1;
        let _ = self.regs.set(64, 3, &self.n.to_be_bytes());
        self.regs.read_be_i64(64, 3).unwrap_or(0)
    }
}
