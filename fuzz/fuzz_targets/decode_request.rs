//! Arbitrary bytes as the body of a frame: the server decodes `Request`s from any client of
//! its user, the client decodes `Response`s. Decoding must return, never panic; a request
//! that decodes must encode again.
#![no_main]

use spool_proto::{frame, Request, Response};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(req) = frame::decode::<Request>(data) {
        let _ = req.verb();
        let again = frame::encode(&req).expect("a decoded request encodes");
        assert_eq!(frame::decode::<Request>(&again[4..]).ok(), Some(req));
    }
    let _ = frame::decode::<Response>(data);
    if data.len() >= 4 {
        let _ = frame::body_len([data[0], data[1], data[2], data[3]]);
    }
});
