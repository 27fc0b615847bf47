//! Arbitrary bytes fed to the segment decoders return an error, never panic (the cargo-fuzz
//! target in fuzz/ does the same with coverage guidance; this runs on stable in CI).

mod common;

use proptest::prelude::*;

/// A valid frame to mutate, taken from a real store file.
fn valid_frame() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let env = common::small_env(4096);
    let store = common::open(&env, dir.path());
    for n in 0..200 {
        store.push(common::det_row(n).as_ref()).unwrap();
    }
    drop(store);
    let bytes = std::fs::read(dir.path().join("history.seg")).unwrap();
    let comp = u32::from_le_bytes(bytes[28..32].try_into().unwrap()) as usize;
    bytes[..48 + comp].to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        spool_store::fuzzing::decode_frame(&bytes);
        spool_store::fuzzing::decode_payload(&bytes);
    }

    #[test]
    fn mutated_frames(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut f = valid_frame_cached().to_vec();
        for (i, b) in flips {
            let at = i.index(f.len());
            f[at] ^= b | 1;
        }
        spool_store::fuzzing::decode_frame(&f);
        spool_store::fuzzing::decode_payload(&f[48..]);
    }
}

fn valid_frame_cached() -> &'static [u8] {
    static F: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    F.get_or_init(valid_frame)
}

#[test]
fn a_valid_frame_decodes() {
    assert!(spool_store::fuzzing::decode_frame(valid_frame_cached()) > 0);
}
