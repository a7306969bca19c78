//! Slices over a page cache: zeros, read-your-writes, byte precision,
//! boundaries, persistence, rollback, and a model.

use std::sync::Arc;

use proptest::prelude::*;
use strata_kv::MemKv;
use strata_pages::{PAGE_SIZE, PageCache, PageCacheConfig, PageError};
use strata_slices::{SliceError, SliceLayout, Slices};

fn fresh(pages: u32) -> (Arc<MemKv>, Slices<Arc<MemKv>>) {
    let kv = Arc::new(MemKv::new());
    (
        kv.clone(),
        Slices::new(PageCache::create(kv, pages, PageCacheConfig::default())),
    )
}

fn sl(page: u32, offset: u32, len: u32) -> SliceLayout {
    SliceLayout::new(page, offset, len).unwrap()
}

#[test]
fn never_written_slices_read_as_zeros() {
    let (_kv, mut s) = fresh(3);
    for (p, o, l) in [(0, 0, 32), (2, 4064, 32), (1, 0, 4096), (1, 17, 0)] {
        let bytes = s.read(sl(p, o, l)).unwrap();
        assert_eq!(bytes.len(), l as usize);
        assert!(bytes.iter().all(|&b| b == 0));
    }
}

#[test]
fn reads_see_uncommitted_writes() {
    let (_kv, mut s) = fresh(2);
    s.write(1, 10, b"abc").unwrap();
    assert_eq!(s.read(sl(1, 10, 3)).unwrap(), b"abc");
    assert_eq!(s.read(sl(1, 9, 5)).unwrap(), b"\0abc\0");
    assert_eq!(s.pages().dirty_len(), 1);
}

#[test]
fn overlapping_writes_are_byte_exact() {
    let (_kv, mut s) = fresh(1);
    s.write(0, 0, b"AAAAAAAAAA").unwrap(); // 0..10
    s.write(0, 5, b"BBBBBBBBBB").unwrap(); // 5..15
    s.write(0, 2, b"CC").unwrap(); // 2..4
    assert_eq!(s.read(sl(0, 0, 16)).unwrap(), b"AACCABBBBBBBBBB\0");
    // A later write entirely inside an earlier one.
    s.write(0, 100, b"xxxxxxxx").unwrap();
    s.write(0, 102, b"yy").unwrap();
    assert_eq!(s.read(sl(0, 100, 8)).unwrap(), b"xxyyxxxx");
    // An earlier write entirely inside a later one is overwritten.
    s.write(0, 202, b"zz").unwrap();
    s.write(0, 200, b"wwwwww").unwrap();
    assert_eq!(s.read(sl(0, 200, 6)).unwrap(), b"wwwwww");
}

#[test]
fn two_slices_in_one_page_survive_commit_and_reopen() {
    let (kv, mut s) = fresh(4);
    s.write(2, 0, b"first slice").unwrap();
    s.write(2, 2048, b"second slice").unwrap();
    let root = s.commit_and_apply().unwrap();
    let mut again = Slices::new(PageCache::open(kv, root, PageCacheConfig::default()).unwrap());
    assert_eq!(again.read(sl(2, 0, 11)).unwrap(), b"first slice");
    assert_eq!(again.read(sl(2, 2048, 12)).unwrap(), b"second slice");
}

#[test]
fn boundary_cases() {
    let (_kv, mut s) = fresh(2);
    s.write(0, 4095, &[7]).unwrap();
    assert_eq!(s.read(sl(0, 4095, 1)).unwrap(), &[7]);
    let full: Vec<u8> = (0..PAGE_SIZE).map(|i| (i % 256) as u8).collect();
    s.write(1, 0, &full).unwrap();
    assert_eq!(s.read(sl(1, 0, 4096)).unwrap(), &full[..]);
    s.write(1, 4096, &[]).unwrap(); // empty slice at the very end
    assert_eq!(s.read(sl(1, 4096, 0)).unwrap(), b"");
    assert_eq!(s.read(sl(1, 0, 0)).unwrap(), b"");
    // One past the end, in every form.
    assert!(matches!(
        s.write(0, 4096, &[1]),
        Err(SliceError::CrossesPage { .. })
    ));
    assert!(matches!(
        s.write(0, 4095, &[1, 2]),
        Err(SliceError::CrossesPage { .. })
    ));
    assert!(matches!(
        s.write(0, 0, &vec![0; 4097]),
        Err(SliceError::CrossesPage { .. })
    ));
    assert!(matches!(
        s.write(0, u32::MAX, &[1]),
        Err(SliceError::CrossesPage { .. })
    ));
    assert!(matches!(
        s.read_u64_be(0, 4090),
        Err(SliceError::CrossesPage { .. })
    ));
    assert!(SliceLayout::new(0, 4096, 1).is_err());
    // Pages past the contract.
    for bad in [2u32, u32::MAX] {
        let err = s.read(sl(bad, 0, 1)).unwrap_err();
        assert!(
            matches!(
                err,
                SliceError::Page(PageError::PageOutOfRange { page_count: 2, .. })
            ),
            "{err:?}"
        );
        assert!(s.write(bad, 0, b"x").is_err());
        assert!(
            s.write(bad, 0, b"").is_err(),
            "an empty write still checks the page"
        );
    }
    // Nothing above changed page 0 but the one byte.
    assert!(s.read(sl(0, 0, 4095)).unwrap().iter().all(|&b| b == 0));
}

#[test]
fn discard_and_checkpoint_rollback() {
    let (_kv, mut s) = fresh(2);
    s.write(0, 0, b"committed").unwrap();
    s.commit_and_apply().unwrap();
    s.write(0, 0, b"discarded").unwrap();
    s.discard();
    assert_eq!(s.read(sl(0, 0, 9)).unwrap(), b"committed");

    s.write(0, 20, b"outer").unwrap();
    let cp = s.checkpoint();
    s.write(0, 20, b"inner").unwrap();
    s.write(1, 0, b"inner too").unwrap();
    s.rollback(cp).unwrap();
    assert_eq!(s.read(sl(0, 20, 5)).unwrap(), b"outer");
    assert!(s.read(sl(1, 0, 9)).unwrap().iter().all(|&b| b == 0));
    let cp = s.checkpoint();
    s.write(1, 0, b"kept").unwrap();
    s.release(cp).unwrap();
    assert_eq!(s.read(sl(1, 0, 4)).unwrap(), b"kept");
}

#[test]
fn integer_helpers() {
    let (_kv, mut s) = fresh(1);
    s.write_u64_be(0, 8, 0x0102_0304_0506_0708).unwrap();
    assert_eq!(s.read(sl(0, 8, 8)).unwrap(), &[1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(s.read_u64_be(0, 8).unwrap(), 0x0102_0304_0506_0708);
    s.write_u32_be(0, 4092, 0xdead_beef).unwrap();
    assert_eq!(s.read_u32_be(0, 4092).unwrap(), 0xdead_beef);
    assert_eq!(s.read_array::<3>(0, 9).unwrap(), [2, 3, 4]);
}

#[derive(Debug, Clone)]
enum Op {
    Write(u32, u32, Vec<u8>),
    Read(u32, u32, u32),
    Commit,
    Discard,
}

fn op() -> impl Strategy<Value = Op> {
    // Offsets cluster near the page edges and each other, so writes overlap
    // and cross boundaries often.
    let offset = prop_oneof![0u32..64, 4030u32..4100, 0u32..4200];
    prop_oneof![
        5 => (0u32..4, offset.clone(), proptest::collection::vec(any::<u8>(), 0..80))
            .prop_map(|(p, o, b)| Op::Write(p, o, b)),
        3 => (0u32..4, offset, 0u32..80).prop_map(|(p, o, l)| Op::Read(p, o, l)),
        1 => Just(Op::Commit),
        1 => Just(Op::Discard),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Slices against a flat byte array per page.
    #[test]
    fn slices_match_a_flat_model(ops in proptest::collection::vec(op(), 1..80)) {
        const PAGES: u32 = 3;
        let (_kv, mut s) = fresh(PAGES);
        let mut model = vec![0u8; PAGES as usize * PAGE_SIZE];
        let mut committed = model.clone();
        for op in ops {
            match op {
                Op::Write(p, o, bytes) => {
                    let fits = p < PAGES && o as usize + bytes.len() <= PAGE_SIZE;
                    let r = s.write(p, o, &bytes);
                    prop_assert_eq!(r.is_ok(), fits, "write {} {} {}", p, o, bytes.len());
                    if fits {
                        let at = p as usize * PAGE_SIZE + o as usize;
                        model[at..at + bytes.len()].copy_from_slice(&bytes);
                    }
                }
                Op::Read(p, o, l) => {
                    let fits = p < PAGES && (o + l) as usize <= PAGE_SIZE;
                    match SliceLayout::new(p, o, l) {
                        Err(_) => prop_assert!(!fits),
                        Ok(slice) => {
                            let r = s.read(slice);
                            prop_assert_eq!(r.is_ok(), fits);
                            if let Ok(got) = r {
                                let at = p as usize * PAGE_SIZE + o as usize;
                                prop_assert_eq!(got, &model[at..at + l as usize]);
                            }
                        }
                    }
                }
                Op::Commit => {
                    s.commit_and_apply().unwrap();
                    committed = model.clone();
                }
                Op::Discard => {
                    s.discard();
                    model = committed.clone();
                }
            }
        }
    }
}
