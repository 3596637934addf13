//! The format gate of `Jws::parse` (security.md §1.A, the header rules of §1.B, §1.D).
//!
//! Every hostile token here carries a valid signature over its (hostile) bytes wherever that
//! is possible, so only the format checks can be what rejects it.

use crate::forge::{b64, claims, join, object, parse_error, raw_token, segments, token, unb64};
use authgate_core::{Algorithm, Jws, MAX_TOKEN_BYTES, SigningKey, VerifyErrorKind};
use serde_json::json;

use VerifyErrorKind::{DisallowedAlg, Malformed};

fn key() -> SigningKey {
    SigningKey::generate(Algorithm::ES256, "k1")
}

/// A token signed by a fresh key whose header is exactly `header` (raw JSON text).
fn with_header(header: &str) -> String {
    raw_token(&key(), header.as_bytes(), claims().to_string().as_bytes())
}

/// A token signed by a fresh key whose payload is exactly `payload` (raw bytes).
fn with_payload(payload: &[u8]) -> String {
    raw_token(&key(), br#"{"alg":"ES256","kid":"k1"}"#, payload)
}

#[test]
fn valid_token_parses() {
    let token = token(&key());
    let jws = Jws::parse(&token).unwrap();
    assert_eq!(jws.header().alg, Algorithm::ES256);
    assert_eq!(jws.claims().get_str("sub"), Some("alice"));
    assert_eq!(jws.unverified_issuer(), Some("https://issuer.example"));
    let [h, p, s] = segments(&token);
    assert_eq!(jws.signing_input(), format!("{h}.{p}"));
    assert_eq!(jws.signature(), unb64(&s).as_slice());
}

#[test]
fn jwt_f01_empty_token_rejected() {
    assert_eq!(parse_error(""), Malformed);
}

#[test]
fn jwt_f02_one_segment_rejected() {
    assert_eq!(parse_error("abc"), Malformed);
    assert_eq!(parse_error(&segments(&token(&key()))[1]), Malformed);
}

#[test]
fn jwt_f03_two_segments_rejected() {
    let [h, p, _] = segments(&token(&key()));
    assert_eq!(parse_error(&join(&[&h, &p])), Malformed);
}

#[test]
fn jwt_f04_empty_signature_rejected() {
    let rsa = SigningKey::generate(Algorithm::RS256, "r1");
    let [h, p, _] = segments(&token(&rsa));
    assert_eq!(parse_error(&format!("{h}.{p}.")), Malformed);
    assert_eq!(parse_error(&format!(".{p}.{h}")), Malformed);
    assert_eq!(parse_error(&format!("{h}..{h}")), Malformed);
}

#[test]
fn jwt_f05_jwe_five_segments_rejected() {
    let header = b64(br#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#);
    let jwe = join(&[&header, "a2V5", "aXY", "Y2lwaGVy", "dGFn"]);
    assert_eq!(parse_error(&jwe), Malformed);
}

#[test]
fn jwt_f06_four_or_six_segments_rejected() {
    let [h, p, s] = segments(&token(&key()));
    assert_eq!(parse_error(&join(&[&h, &p, &s, &s])), Malformed);
    assert_eq!(parse_error(&join(&[&h, &p, &s, &h, &p, &s])), Malformed);
    assert_eq!(parse_error(&format!("{h}.{p}.{s}.")), Malformed);
}

#[test]
fn jwt_f07_json_serialization_rejected() {
    let [h, p, s] = segments(&token(&key()));
    let json = json!({"protected": h, "payload": p, "signature": s}).to_string();
    assert_eq!(parse_error(&json), Malformed);
}

#[test]
fn jwt_f08_compact_json_hybrid_rejected() {
    let [h, p, s] = segments(&token(&key()));
    let forged = b64(json!({"sub": "admin"}).to_string());
    let hybrid = format!(
        "{{\"{h}.{forged}.\":\"\",\"protected\":\"{h}\",\"payload\":\"{p}\",\"signature\":\"{s}\"}}"
    );
    assert_eq!(parse_error(&hybrid), Malformed);
}

#[test]
fn jwt_f09_standard_base64_and_whitespace_rejected() {
    let token = token(&key());
    let [h, p, s] = segments(&token);
    for bad in ["+", "/", " ", "\r\n", "\t", "\n"] {
        let mid = p.len() / 2;
        let spliced = format!("{h}.{}{bad}{}.{s}", &p[..mid], &p[mid..]);
        assert_eq!(parse_error(&spliced), Malformed, "{bad:?}");
    }
    // The same bytes in the standard alphabet.
    let standard = token.replace('-', "+").replace('_', "/");
    if standard != token {
        assert_eq!(parse_error(&standard), Malformed);
    }
}

#[test]
fn jwt_f10_padding_rejected() {
    let [h, p, s] = segments(&token(&key()));
    for (i, pad) in ["=", "==", "==="].iter().enumerate() {
        let padded = [h.clone(), p.clone(), s.clone()]
            .iter()
            .enumerate()
            .map(|(j, seg)| {
                if i == j {
                    format!("{seg}{pad}")
                } else {
                    seg.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(".");
        assert_eq!(parse_error(&padded), Malformed, "{padded}");
    }
    // A segment whose length needs padding, padded properly (`YQ==` is "a").
    let header_with_padding = b64(br#"{"alg":"ES256","kid":"k1"} "#);
    assert_eq!(
        parse_error(&format!("{header_with_padding}=.{p}.{s}")),
        Malformed
    );
}

#[test]
fn jwt_f11_non_canonical_base64_rejected() {
    // ES256 signatures are 64 bytes: 86 characters, whose last carries 4 unused bits.
    let token = token(&key());
    let [h, p, s] = segments(&token);
    let last = s.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = alphabet.find(last).unwrap();
    // Same high two bits (same decoded byte), different low bits.
    let twin = alphabet
        .chars()
        .nth((index & !0xf) | (!index & 0xf))
        .unwrap();
    let malleated = format!("{h}.{p}.{}{twin}", &s[..s.len() - 1]);
    assert_ne!(malleated, token);
    assert_eq!(parse_error(&malleated), Malformed);
}

#[test]
fn jwt_f12_surrounding_spaces_rejected() {
    let token = token(&key());
    for bad in [
        format!(" {token}"),
        format!("{token} "),
        format!("{token}\r\n"),
        format!("\t{token}"),
    ] {
        assert_eq!(parse_error(&bad), Malformed);
    }
}

#[test]
fn jwt_f13_segment_not_json_rejected() {
    assert_eq!(parse_error(&with_payload(b"not-json")), Malformed);
    assert_eq!(parse_error(&with_payload(br#"{"a":"#)), Malformed);
    assert_eq!(parse_error(&with_header("not-json")), Malformed);
    assert_eq!(parse_error(&with_header(r#"{"alg":"#)), Malformed);
}

#[test]
fn jwt_f14_payload_array_string_or_number_rejected() {
    for payload in [
        &br#"[{"exp":1}]"#[..],
        br#""claims""#,
        b"42",
        b"null",
        b"true",
    ] {
        assert_eq!(parse_error(&with_payload(payload)), Malformed);
    }
}

#[test]
fn jwt_f15_header_array_or_string_rejected() {
    for header in [r#"[{"alg":"ES256"}]"#, r#""ES256""#, "1", "null"] {
        assert_eq!(parse_error(&with_header(header)), Malformed);
    }
}

#[test]
fn jwt_f16_bom_utf16_and_invalid_utf8_rejected() {
    let payload = claims().to_string();
    let bom = [&[0xef, 0xbb, 0xbf][..], payload.as_bytes()].concat();
    let utf16: Vec<u8> = payload.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf16_bom = [&[0xff, 0xfe][..], &utf16].concat();
    let latin1 = br#"{"sub":"caf\xe9"}"#.to_vec();
    let overlong = br#"{"sub":"\xc0\xaf"}"#.to_vec();
    for bad in [bom, utf16, utf16_bom, latin1, overlong] {
        assert_eq!(parse_error(&with_payload(&bad)), Malformed);
    }
    let header_bom = [&[0xef, 0xbb, 0xbf][..], br#"{"alg":"ES256"}"#].concat();
    assert_eq!(
        parse_error(&raw_token(&key(), &header_bom, payload.as_bytes())),
        Malformed
    );
}

#[test]
fn jwt_f17_oversized_token_rejected_before_decoding() {
    // Valid characters but no structure at all: only the size gate can be what rejects it, and
    // the detail says so.
    for len in [MAX_TOKEN_BYTES + 1, 64 * 1024, 1024 * 1024] {
        let huge = "A".repeat(len);
        let error = Jws::parse(&huge).unwrap_err();
        assert_eq!(error.kind(), Malformed);
        assert!(error.detail().contains("size"), "{}", error.detail());
    }
    // A real token with a large claim, just over the limit.
    let mut claims = claims();
    claims["pad"] = json!("x".repeat(MAX_TOKEN_BYTES));
    let big = key().sign_token(&object(json!({})), &claims);
    assert!(Jws::parse(&big).unwrap_err().detail().contains("size"));
}

#[test]
fn tokens_up_to_the_size_limit_parse() {
    let key = key();
    let mut claims = claims();
    claims["pad"] = json!("");
    let base = key.sign_token(&object(json!({})), &claims).len();
    // Each 3 bytes of payload add 4 characters.
    claims["pad"] = json!("x".repeat((MAX_TOKEN_BYTES - base) * 3 / 4 - 2));
    let token = key.sign_token(&object(json!({})), &claims);
    assert!(
        token.len() <= MAX_TOKEN_BYTES && token.len() > MAX_TOKEN_BYTES - 8,
        "{}",
        token.len()
    );
    assert!(Jws::parse(&token).is_ok());
}

#[test]
fn jwt_a01_a02_alg_none_rejected() {
    let payload = b64(claims().to_string());
    let header = b64(br#"{"alg":"none"}"#);
    assert_eq!(parse_error(&format!("{header}.{payload}.")), Malformed);
    assert_eq!(
        parse_error(&format!("{header}.{payload}.c2ln")),
        DisallowedAlg
    );
    assert_eq!(
        parse_error(&with_header(r#"{"alg":"none"}"#)),
        DisallowedAlg
    );
}

#[test]
fn jwt_a03_none_case_variants_rejected() {
    for alg in ["None", "NONE", "nOnE", "noNE", "none "] {
        assert_eq!(
            parse_error(&with_header(&json!({"alg": alg}).to_string())),
            DisallowedAlg
        );
    }
    for alg in [
        "rs256",
        "Rs256",
        "es256",
        "EDDSA",
        "ed25519",
        " RS256",
        "RS256\u{0}",
    ] {
        assert_eq!(
            parse_error(&with_header(&json!({"alg": alg}).to_string())),
            DisallowedAlg
        );
    }
}

#[test]
fn jwt_a04_missing_alg_rejected() {
    assert_eq!(parse_error(&with_header(r#"{"kid":"k1"}"#)), Malformed);
    assert_eq!(parse_error(&with_header("{}")), Malformed);
    assert_eq!(parse_error(&with_header(r#"{"Alg":"ES256"}"#)), Malformed);
}

#[test]
fn jwt_a05_alg_of_wrong_type_rejected() {
    assert_eq!(parse_error(&with_header(r#"{"alg":""}"#)), DisallowedAlg);
    for alg in ["null", "123", r#"["ES256"]"#, r#"{"x":1}"#, "true"] {
        assert_eq!(
            parse_error(&with_header(&format!(r#"{{"alg":{alg}}}"#))),
            Malformed,
            "{alg}"
        );
    }
}

#[test]
fn jwt_a12_unknown_or_weak_alg_rejected() {
    for alg in [
        "HS1", "RS1", "XS256", "ES256K", "ES512", "PS1", "RSA-OAEP", "dir", "A128KW", "Ed448",
    ] {
        assert_eq!(
            parse_error(&with_header(&json!({"alg": alg}).to_string())),
            DisallowedAlg
        );
    }
}

#[test]
fn fully_specified_ed25519_alg_is_eddsa() {
    let jws_token = with_header(r#"{"alg":"Ed25519"}"#);
    assert_eq!(
        Jws::parse(&jws_token).unwrap().header().alg,
        Algorithm::EdDSA
    );
}

#[test]
fn jwt_a13_unknown_crit_extension_rejected() {
    let header = r#"{"alg":"ES256","crit":["http://example.com/unknown"],"http://example.com/unknown":true}"#;
    assert_eq!(parse_error(&with_header(header)), Malformed);
}

#[test]
fn jwt_a14_any_crit_member_rejected() {
    for crit in [
        r#"[]"#,
        r#"["alg"]"#,
        r#""b64""#,
        r#"["exp"]"#,
        "null",
        "{}",
    ] {
        let header = format!(r#"{{"alg":"ES256","crit":{crit}}}"#);
        assert_eq!(parse_error(&with_header(&header)), Malformed, "{crit}");
    }
}

#[test]
fn jwt_a15_a16_unencoded_payload_rejected() {
    let with_crit = r#"{"alg":"ES256","b64":false,"crit":["b64"]}"#;
    assert_eq!(parse_error(&with_header(with_crit)), Malformed);
    assert_eq!(
        parse_error(&with_header(r#"{"alg":"ES256","b64":false}"#)),
        Malformed
    );
    assert_eq!(
        parse_error(&with_header(r#"{"alg":"ES256","b64":true}"#)),
        Malformed
    );
}

#[test]
fn jwt_a24_hostile_kid_values_rejected() {
    let long = "k".repeat(64 * 1024);
    for kid in [
        json!(long),
        json!("a\u{0}b"),
        json!("a\r\nb"),
        json!("a\u{1b}[31m"),
        json!(""),
    ] {
        let header = json!({"alg": "ES256", "kid": kid}).to_string();
        let error = Jws::parse(&with_header(&header)).unwrap_err();
        assert_eq!(error.kind(), Malformed);
        assert!(!error.detail().contains("kkkk") && !error.detail().contains('\r'));
    }
    for kid in [
        json!(1),
        json!({"a": 1}),
        json!(["k1"]),
        json!(null),
        json!(true),
    ] {
        let header = json!({"alg": "ES256", "kid": kid}).to_string();
        assert_eq!(parse_error(&with_header(&header)), Malformed, "{kid}");
    }
}

#[test]
fn header_string_members_must_be_strings() {
    for member in ["x5t", "typ", "cty"] {
        let header = json!({"alg": "ES256", member: 1}).to_string();
        assert_eq!(parse_error(&with_header(&header)), Malformed, "{member}");
    }
}

#[test]
fn jwt_a29_typ_variants_compare_case_insensitively() {
    for typ in [
        "at+jwt",
        "application/at+jwt",
        "AT+JWT",
        "at+JWT",
        "Application/At+Jwt",
    ] {
        let jws_token = with_header(&json!({"alg": "ES256", "typ": typ}).to_string());
        let jws = Jws::parse(&jws_token).unwrap();
        assert_eq!(jws.header().typ.as_deref(), Some(typ));
        assert!(jws.header().typ_is("at+jwt"), "{typ}");
        assert!(!jws.header().typ_is("jwt"), "{typ}");
    }
    let plain = with_header(r#"{"alg":"ES256","typ":"JWT"}"#);
    assert!(Jws::parse(&plain).unwrap().header().typ_is("jwt"));
    let other_tree = with_header(r#"{"alg":"ES256","typ":"text/at+jwt"}"#);
    assert!(!Jws::parse(&other_tree).unwrap().header().typ_is("at+jwt"));
}

#[test]
fn jwt_a30_nested_jwt_rejected() {
    for cty in ["JWT", "jwt", "Jwt", "application/jwt", "APPLICATION/JWT"] {
        let header = json!({"alg": "ES256", "cty": cty}).to_string();
        assert_eq!(parse_error(&with_header(&header)), Malformed, "{cty}");
    }
    let other = with_header(r#"{"alg":"ES256","cty":"json"}"#);
    assert_eq!(
        Jws::parse(&other).unwrap().header().cty.as_deref(),
        Some("json")
    );
}

#[test]
fn jwt_a31_jwe_enc_member_rejected() {
    assert_eq!(
        parse_error(&with_header(r#"{"alg":"ES256","enc":"A256GCM"}"#)),
        Malformed
    );
}

#[test]
fn jwt_a32_zip_member_rejected() {
    assert_eq!(
        parse_error(&with_header(r#"{"alg":"ES256","zip":"DEF"}"#)),
        Malformed
    );
}

#[test]
fn jwt_a33_duplicate_header_names_rejected() {
    for header in [
        r#"{"alg":"none","alg":"ES256"}"#,
        r#"{"alg":"ES256","alg":"none"}"#,
        r#"{"alg":"ES256","alg":"ES256"}"#,
        r#"{"alg":"ES256","kid":"a","kid":"b"}"#,
        r#"{"alg":"ES256","\u0061lg":"HS256"}"#,
        r#"{"alg":"ES256","x":{"y":1,"y":2}}"#,
    ] {
        assert_eq!(parse_error(&with_header(header)), Malformed, "{header}");
    }
}

#[test]
fn jwt_a34_unknown_non_critical_members_ignored() {
    let header = r#"{"alg":"ES256","kid":"k1","foo":1,"bar":{"nested":[1,2]},"x5t#S256":"abc"}"#;
    let jws_token = with_header(header);
    let jws = Jws::parse(&jws_token).unwrap();
    assert_eq!(jws.header().kid.as_deref(), Some("k1"));
}

#[test]
fn jwt_a17_a20_key_carrying_members_are_parsed_but_never_read() {
    let header = json!({
        "alg": "ES256",
        "kid": "k1",
        "jku": "https://attacker.example/jwks.json",
        "x5u": "http://169.254.169.254/latest",
        "jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
        "x5c": ["MIIB"],
    });
    let jws_token = with_header(&header.to_string());
    let jws = Jws::parse(&jws_token).unwrap();
    assert_eq!(jws.header().kid.as_deref(), Some("k1"));
}

#[test]
fn jwt_j01_j02_duplicate_claims_rejected() {
    for payload in [
        r#"{"sub":"alice","sub":"admin"}"#,
        r#"{"exp":"never","exp":1999999999}"#,
        r#"{"sub":"alice","roles":{"a":1,"a":2}}"#,
        r#"{"sub":"alice","list":[{"a":1},{"b":1,"b":1}]}"#,
    ] {
        assert_eq!(
            parse_error(&with_payload(payload.as_bytes())),
            Malformed,
            "{payload}"
        );
    }
}

#[test]
fn jwt_j03_deep_nesting_rejected_without_stack_overflow() {
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let deep = format!("{{\"x\":{}1{}}}", open.repeat(10_000), close.repeat(10_000));
        let started = std::time::Instant::now();
        assert_eq!(parse_error(&with_payload(deep.as_bytes())), Malformed);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
    let header = format!(
        r#"{{"alg":"ES256","x":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(parse_error(&with_header(&header)), Malformed);
}

#[test]
fn jwt_j04_huge_arrays_rejected_by_the_size_gate() {
    let aud: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
    let token = key().sign_token(&object(json!({})), &json!({"aud": aud}));
    let error = Jws::parse(&token).unwrap_err();
    assert!(error.detail().contains("size"));
}

#[test]
fn jwt_j05_escaped_duplicate_name_rejected() {
    let payload = r#"{"sub":"alice","\u0073ub":"admin"}"#;
    assert_eq!(parse_error(&with_payload(payload.as_bytes())), Malformed);
    let reversed = r#"{"\u0073\u0075\u0062":"admin","sub":"alice"}"#;
    assert_eq!(parse_error(&with_payload(reversed.as_bytes())), Malformed);
}

#[test]
fn jwt_j06_lone_surrogate_rejected() {
    for payload in [
        r#"{"sub":"\ud800"}"#,
        r#"{"sub":"\udc00x"}"#,
        r#"{"\ud800":1}"#,
    ] {
        assert_eq!(
            parse_error(&with_payload(payload.as_bytes())),
            Malformed,
            "{payload}"
        );
    }
    let pair = r#"{"sub":"\ud83d\ude00"}"#;
    let jws_token = with_payload(pair.as_bytes());
    assert_eq!(
        Jws::parse(&jws_token).unwrap().claims().get_str("sub"),
        Some("\u{1f600}")
    );
}

#[test]
fn jwt_j07_numbers_never_panic() {
    assert_eq!(parse_error(&with_payload(br#"{"exp":1e400}"#)), Malformed);
    for number in [
        "-0",
        "1.0e1",
        "18446744073709551616",
        "9007199254740993",
        "-1e-400",
        "1E2",
    ] {
        let jws_token = with_payload(format!(r#"{{"exp":{number}}}"#).as_bytes());
        let jws = Jws::parse(&jws_token).unwrap();
        assert!(jws.claims().get("exp").unwrap().is_number(), "{number}");
    }
}

#[test]
fn jwt_j08_nul_in_a_claim_is_kept_literally() {
    let jws_token = with_payload(br#"{"sub":"alice\u0000admin"}"#);
    assert_eq!(
        Jws::parse(&jws_token).unwrap().claims().get_str("sub"),
        Some("alice\0admin")
    );
}

#[test]
fn jwt_j09_claim_names_are_case_sensitive() {
    let jws_token = with_payload(br#"{"Exp":1,"exp":2,"ISS":"a"}"#);
    let jws = Jws::parse(&jws_token).unwrap();
    assert_eq!(jws.claims().get("exp"), Some(&json!(2)));
    assert_eq!(jws.unverified_issuer(), None);
}

#[test]
fn jwt_j10_trailing_data_rejected() {
    for payload in [
        &br#"{"sub":"x"} trailing"#[..],
        br#"{"sub":"x"}{}"#,
        b"{\"sub\":\"x\"}\0",
    ] {
        assert_eq!(parse_error(&with_payload(payload)), Malformed);
    }
    // Insignificant whitespace (RFC 8259 §2) is fine.
    assert!(Jws::parse(&with_payload(b" {\"sub\" : \"x\"}\n")).is_ok());
}

#[test]
fn jwt_j11_non_strict_json_rejected() {
    for payload in [
        r#"{"sub":"x",}"#,
        r#"{'sub':'x'}"#,
        r#"{"exp":NaN}"#,
        r#"{"exp":Infinity}"#,
        r#"{"exp":-Infinity}"#,
        r#"{"sub":"x"/*c*/}"#,
        "{\"sub\":\"x\"} // c",
        r#"{sub:"x"}"#,
        r#"{"exp":0x10}"#,
        r#"{"exp":01}"#,
        r#"{"exp":+1}"#,
        r#"{"exp":.5}"#,
        "{\"sub\":\"a\tb\"}",
    ] {
        assert_eq!(
            parse_error(&with_payload(payload.as_bytes())),
            Malformed,
            "{payload}"
        );
    }
}

#[test]
fn error_details_never_echo_the_token_or_claims() {
    let secret_claim = "super-secret-claim-value";
    let payload = format!(r#"{{"sub":"{secret_claim}","sub":"x"}}"#);
    let error = Jws::parse(&with_payload(payload.as_bytes())).unwrap_err();
    assert!(!error.detail().contains(secret_claim));
    let typed = format!(r#"{{"alg":"ES256","kid":{{"{secret_claim}":1}}}}"#);
    let error = Jws::parse(&with_header(&typed)).unwrap_err();
    assert!(!error.detail().contains(secret_claim));
    let unknown_alg = json!({"alg": secret_claim}).to_string();
    let error = Jws::parse(&with_header(&unknown_alg)).unwrap_err();
    assert!(!format!("{error} {error:?}").contains(secret_claim));
}

#[test]
fn debug_of_a_parsed_token_hides_the_token() {
    let token = token(&key());
    let shown = format!("{:?}", Jws::parse(&token).unwrap());
    let [h, p, s] = segments(&token);
    assert!(!shown.contains(&h) && !shown.contains(&p) && !shown.contains(&s));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = Jws::parse(&text);
        }

        #[test]
        fn on_random_compact_text(text in "[A-Za-z0-9_.=+/ -]{0,600}") {
            let _ = Jws::parse(&text);
        }

        #[test]
        fn on_mutations_of_a_valid_token(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        ) {
            let mut bytes = token(&key()).into_bytes();
            for (at, byte, op) in edits {
                let index = at.index(bytes.len().max(1));
                match op {
                    0 if !bytes.is_empty() => bytes[index] = byte,
                    1 => bytes.insert(index.min(bytes.len()), byte),
                    _ if !bytes.is_empty() => { bytes.remove(index); }
                    _ => {}
                }
            }
            let _ = Jws::parse(&String::from_utf8_lossy(&bytes));
        }

        #[test]
        fn on_random_json_in_valid_base64(header in "\\PC{0,80}", payload in "\\PC{0,200}") {
            let token = format!("{}.{}.c2ln", b64(&header), b64(&payload));
            let _ = Jws::parse(&token);
            let json_header = format!(r#"{{"alg":"ES256","kid":{}}}"#, serde_json::Value::from(header));
            let _ = Jws::parse(&format!("{}.{}.c2ln", b64(json_header), b64(&payload)));
        }
    }
}
