//! Arbitrary bytes as a framed segment and as a raw payload: decoding must return (an error
//! or rows), never panic, and never allocate past the format's limits.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    spool_store::fuzzing::decode_frame(data);
    spool_store::fuzzing::decode_payload(data);
});
