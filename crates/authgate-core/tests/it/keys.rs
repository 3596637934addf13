//! Keys and key sets: round trips for every algorithm, JWKS parsing, key resolution
//! (security.md §1.B key-resolution cases, §1.C).

use crate::forge::{self, jwks, token, verify};
use authgate_core::{
    Algorithm, Jws, KeySet, SecretBytes, SigningKey, VerifyErrorKind, VerifyingKey,
};
use serde_json::json;

#[test]
fn round_trip_every_algorithm() {
    for key in forge::every_key() {
        let alg = key.algorithm();
        let token = token(&key);
        let jws = Jws::parse(&token).unwrap();
        assert_eq!(jws.header().alg, alg);
        assert_eq!(
            jws.header().kid.as_deref(),
            Some(format!("kid-{alg}").as_str())
        );
        let verifying = match key.public_jwk() {
            Some(jwk) => {
                let set =
                    KeySet::from_jwks_json(&json!({ "keys": [jwk] }).to_string().into_bytes())
                        .unwrap();
                set.candidates(jws.header()).unwrap()[0].key.clone()
            }
            None => key.verifying_key().unwrap(),
        };
        verifying
            .verify(alg, jws.signing_input().as_bytes(), jws.signature())
            .unwrap();
        key.verifying_key()
            .unwrap()
            .verify(alg, jws.signing_input().as_bytes(), jws.signature())
            .unwrap();
    }
}

#[test]
fn round_trip_through_a_jwks_of_every_asymmetric_key() {
    let keys: Vec<SigningKey> = forge::every_key()
        .into_iter()
        .filter(|k| !k.algorithm().is_hmac())
        .collect();
    let set = KeySet::from_jwks_json(&jwks(&keys.iter().collect::<Vec<_>>())).unwrap();
    assert_eq!(set.keys().len(), keys.len());
    assert_eq!(set.skipped(), 0);
    for key in &keys {
        assert_eq!(verify(&token(key), &set), Ok(()), "{}", key.algorithm());
    }
}

#[test]
fn larger_rsa_keys_round_trip() {
    for bits in [3072, 4096] {
        let key = SigningKey::generate_rsa(Algorithm::PS384, bits, "big");
        let set = KeySet::from_jwks_json(&jwks(&[&key])).unwrap();
        assert_eq!(verify(&token(&key), &set), Ok(()));
    }
}

#[test]
fn public_jwk_has_the_published_members() {
    let rsa = SigningKey::generate(Algorithm::RS256, "r1")
        .public_jwk()
        .unwrap();
    assert_eq!(rsa["kty"], "RSA");
    assert_eq!(rsa["e"], "AQAB");
    assert_eq!(rsa["use"], "sig");
    assert_eq!(rsa["alg"], "RS256");
    assert_eq!(rsa["kid"], "r1");
    let ec = SigningKey::generate(Algorithm::ES384, "e1")
        .public_jwk()
        .unwrap();
    assert_eq!(
        (
            ec["crv"].as_str(),
            forge::unb64(ec["x"].as_str().unwrap()).len()
        ),
        (Some("P-384"), 48)
    );
    let ed = SigningKey::generate(Algorithm::EdDSA, "o1")
        .public_jwk()
        .unwrap();
    assert_eq!(
        (ed["kty"].as_str(), ed["crv"].as_str()),
        (Some("OKP"), Some("Ed25519"))
    );
    assert!(
        SigningKey::generate(Algorithm::HS256, "h")
            .public_jwk()
            .is_none()
    );
}

#[test]
fn jwt_c04_c15_signature_from_another_key_rejected() {
    let signer = SigningKey::generate(Algorithm::RS256, "k1");
    let published = SigningKey::generate(Algorithm::RS256, "k1");
    let set = KeySet::from_jwks_json(&jwks(&[&published])).unwrap();
    assert_eq!(
        verify(&token(&signer), &set),
        Err(VerifyErrorKind::BadSignature)
    );
}

#[test]
fn jwt_a26_kid_less_token_uses_the_single_fitting_key() {
    let key = SigningKey::generate(Algorithm::ES256, "k1");
    let other_type = SigningKey::generate(Algorithm::RS256, "k2");
    let set = KeySet::from_jwks_json(&jwks(&[&other_type, &key])).unwrap();
    let kid_less = forge::raw_token(
        &key,
        br#"{"alg":"ES256"}"#,
        forge::claims().to_string().as_bytes(),
    );
    assert_eq!(verify(&kid_less, &set), Ok(()));
}

#[test]
fn hmac_round_trip_with_a_configured_secret() {
    let secret = SecretBytes::new(vec![7; 32]);
    let key = SigningKey::hmac(Algorithm::HS256, secret.clone(), None);
    assert!(key.kid().is_none());
    let jws_token = token(&key);
    let jws = Jws::parse(&jws_token).unwrap();
    assert_eq!(jws.header().kid, None);
    let verifying = VerifyingKey::hmac(secret).unwrap();
    verifying
        .verify(
            Algorithm::HS256,
            jws.signing_input().as_bytes(),
            jws.signature(),
        )
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// §1.B: algorithm and key binding.

/// `key`'s JWKS and a token `alg: HS256` whose HMAC is keyed with `secret`, with `key`'s kid.
fn hs256_forgery(kid: &str, secret: &[u8]) -> String {
    let hmac = SigningKey::hmac(
        Algorithm::HS256,
        SecretBytes::new(secret.to_vec()),
        Some(kid.to_owned()),
    );
    token(&hmac)
}

/// A DER length.
fn der_len(len: usize) -> Vec<u8> {
    match len {
        0..=0x7f => vec![len as u8],
        0x80..=0xff => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    }
}

/// A DER element of `tag` holding `content`.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    [&[tag][..], &der_len(content.len()), content].concat()
}

/// A positive DER INTEGER from big-endian bytes.
fn der_uint(bytes: &[u8]) -> Vec<u8> {
    let content = if bytes[0] & 0x80 != 0 {
        [&[0][..], bytes].concat()
    } else {
        bytes.to_vec()
    };
    der(0x02, &content)
}

/// PEM text with 64-column lines and `eol` line ends.
fn pem(label: &str, der: &[u8], eol: &str) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----{eol}{}{eol}-----END {label}-----{eol}",
        lines.join(eol)
    )
}

/// Every encoding of an RSA public key an attacker might guess a verifier uses as HMAC secret.
fn rsa_public_key_encodings(jwk: &serde_json::Value) -> Vec<Vec<u8>> {
    use aws_lc_rs::encoding::AsDer;
    let n = forge::unb64(jwk["n"].as_str().unwrap());
    let e = forge::unb64(jwk["e"].as_str().unwrap());
    let components = aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e };
    let spki = components.as_der().unwrap().as_ref().to_vec();
    let pkcs1 = der(0x30, &[der_uint(&n), der_uint(&e)].concat());
    let mut encodings = vec![
        spki.clone(),
        pkcs1.clone(),
        n.clone(),
        jwk.to_string().into_bytes(),
    ];
    for eol in ["\n", "\r\n"] {
        for (label, body) in [("PUBLIC KEY", &spki), ("RSA PUBLIC KEY", &pkcs1)] {
            let text = pem(label, body, eol);
            encodings.push(text.trim_end().as_bytes().to_vec());
            encodings.push(format!("{text}  \n\n").into_bytes());
            encodings.push(text.into_bytes());
        }
    }
    encodings
}

#[test]
fn jwt_a06_hs256_with_rsa_public_key_as_secret_rejected() {
    let rsa = SigningKey::generate(Algorithm::RS256, "rsa-1");
    let jwk = rsa.public_jwk().unwrap();
    let mut unpinned = jwk.clone();
    unpinned.as_object_mut().unwrap().remove("alg");
    for published in [&jwk, &unpinned] {
        let set =
            KeySet::from_jwks_json(json!({ "keys": [published] }).to_string().as_bytes()).unwrap();
        let encodings = rsa_public_key_encodings(&jwk);
        assert!(encodings.len() >= 16);
        for secret in encodings {
            let forged = hs256_forgery("rsa-1", &secret);
            assert_eq!(verify(&forged, &set), Err(VerifyErrorKind::DisallowedAlg));
            let jws = Jws::parse(&forged).unwrap();
            let direct = set.keys()[0].key.verify(
                Algorithm::HS256,
                jws.signing_input().as_bytes(),
                jws.signature(),
            );
            assert_eq!(direct.unwrap_err().kind(), VerifyErrorKind::DisallowedAlg);
            // Without a kid, no key of the set fits HS256 either.
            let kid_less = SigningKey::hmac(Algorithm::HS256, SecretBytes::new(secret), None);
            assert_eq!(
                verify(&token(&kid_less), &set),
                Err(VerifyErrorKind::DisallowedAlg)
            );
        }
    }
}

#[test]
fn jwt_a07_hs256_with_ec_public_key_as_secret_rejected() {
    let ec = SigningKey::generate(Algorithm::ES256, "ec-1");
    let jwk = ec.public_jwk().unwrap();
    let set = KeySet::from_jwks_json(&jwks(&[&ec])).unwrap();
    let x = forge::unb64(jwk["x"].as_str().unwrap());
    let y = forge::unb64(jwk["y"].as_str().unwrap());
    let uncompressed = [&[4][..], &x, &y].concat();
    for secret in [
        [x.clone(), y.clone()].concat(),
        uncompressed,
        jwk.to_string().into_bytes(),
    ] {
        assert_eq!(
            verify(&hs256_forgery("ec-1", &secret), &set),
            Err(VerifyErrorKind::DisallowedAlg)
        );
    }
}

#[test]
fn jwt_a08_c13_short_or_empty_hmac_secret_rejected() {
    for len in [0, 1, 16, 31] {
        let secret = SecretBytes::new(vec![0x41; len]);
        assert_eq!(
            VerifyingKey::hmac(secret.clone()).unwrap_err().kind(),
            VerifyErrorKind::Malformed
        );
        let signer = SigningKey::hmac(Algorithm::HS256, secret, None);
        assert!(signer.verifying_key().is_err());
    }
    assert!(VerifyingKey::hmac(SecretBytes::new(vec![0x41; 32])).is_ok());
}

#[test]
fn jwt_a09_alg_allow_list_is_left_to_the_verifier_but_keys_stay_bound() {
    // The allow-list itself is `Validation::algorithms` (verify_jws). At this level an RSA key
    // verifies RS384 and PS256 as well, unless its JWK pins `alg`.
    let rsa = SigningKey::generate(Algorithm::PS256, "r1");
    let mut jwk = rsa.public_jwk().unwrap();
    jwk["alg"] = json!("RS256");
    let pinned = KeySet::from_jwks_json(json!({ "keys": [jwk] }).to_string().as_bytes()).unwrap();
    assert_eq!(
        verify(&token(&rsa), &pinned),
        Err(VerifyErrorKind::DisallowedAlg)
    );
    jwk.as_object_mut().unwrap().remove("alg");
    let unpinned = KeySet::from_jwks_json(json!({ "keys": [jwk] }).to_string().as_bytes()).unwrap();
    assert_eq!(verify(&token(&rsa), &unpinned), Ok(()));
}

#[test]
fn jwt_a10_alg_and_key_type_mismatch_rejected() {
    let rsa = SigningKey::generate(Algorithm::RS256, "rsa");
    let ec = SigningKey::generate(Algorithm::ES256, "ec");
    let set = KeySet::from_jwks_json(&jwks(&[&rsa, &ec])).unwrap();
    // ES256 naming the RSA key, RS256 naming the EC key: signatures by the right key types.
    let es_on_rsa = ec.sign_token(&forge::object(json!({"kid": "rsa"})), &forge::claims());
    let rs_on_ec = rsa.sign_token(&forge::object(json!({"kid": "ec"})), &forge::claims());
    assert_eq!(
        verify(&es_on_rsa, &set),
        Err(VerifyErrorKind::DisallowedAlg)
    );
    assert_eq!(verify(&rs_on_ec, &set), Err(VerifyErrorKind::DisallowedAlg));
    // PS256 where the JWK pins RS256.
    let ps = SigningKey::generate(Algorithm::PS256, "ps");
    let mut jwk = ps.public_jwk().unwrap();
    jwk["alg"] = json!("RS256");
    let pinned = KeySet::from_jwks_json(json!({ "keys": [jwk] }).to_string().as_bytes()).unwrap();
    assert_eq!(
        verify(&token(&ps), &pinned),
        Err(VerifyErrorKind::DisallowedAlg)
    );
}

#[test]
fn jwt_a11_curve_mismatch_rejected() {
    let p384 = SigningKey::generate(Algorithm::ES384, "k");
    let set = KeySet::from_jwks_json(&jwks(&[&p384])).unwrap();
    let p256 = SigningKey::generate(Algorithm::ES256, "k");
    assert_eq!(
        verify(&token(&p256), &set),
        Err(VerifyErrorKind::DisallowedAlg)
    );
    // An X25519 (ECDH) OKP key is not a signature key at all.
    let ed = SigningKey::generate(Algorithm::EdDSA, "x");
    let mut x25519 = ed.public_jwk().unwrap();
    x25519["crv"] = json!("X25519");
    x25519.as_object_mut().unwrap().remove("alg");
    let doc = json!({ "keys": [x25519, p384.public_jwk().unwrap()] }).to_string();
    let set = KeySet::from_jwks_json(doc.as_bytes()).unwrap();
    assert_eq!(set.skipped(), 1);
    assert_eq!(verify(&token(&ed), &set), Err(VerifyErrorKind::UnknownKey));
}

#[test]
fn jwt_a17_a20_keys_in_the_token_header_are_never_used() {
    let trusted = SigningKey::generate(Algorithm::RS256, "k1");
    let set = KeySet::from_jwks_json(&jwks(&[&trusted])).unwrap();
    let attacker = SigningKey::generate(Algorithm::RS256, "k1");
    let embedded = json!({
        "jku": "https://attacker.example/jwks.json",
        "x5u": "http://169.254.169.254/latest/meta-data",
        "jwk": attacker.public_jwk().unwrap(),
        "x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"],
    });
    for member in ["jku", "x5u", "jwk", "x5c"] {
        let header = json!({ member: embedded[member].clone() });
        let forged = forge::token_with_header(&attacker, header);
        assert_eq!(
            verify(&forged, &set),
            Err(VerifyErrorKind::BadSignature),
            "{member}"
        );
    }
}

#[test]
fn jwt_a21_x5t_and_kid_must_agree() {
    let a = SigningKey::generate(Algorithm::RS256, "key-a");
    let b = SigningKey::generate(Algorithm::RS256, "key-b");
    let entra_style = |key: &SigningKey| {
        let mut jwk = key.public_jwk().unwrap();
        jwk["x5t"] = jwk["kid"].clone();
        jwk
    };
    let doc = json!({ "keys": [entra_style(&a), entra_style(&b)] }).to_string();
    let set = KeySet::from_jwks_json(doc.as_bytes()).unwrap();
    let agree = forge::token_with_header(&a, json!({"x5t": "key-a"}));
    assert_eq!(verify(&agree, &set), Ok(()));
    let only_x5t = forge::raw_token(
        &a,
        br#"{"alg":"RS256","x5t":"key-a"}"#,
        forge::claims().to_string().as_bytes(),
    );
    assert_eq!(verify(&only_x5t, &set), Ok(()));
    let disagree = forge::token_with_header(&a, json!({"x5t": "key-b"}));
    assert_eq!(verify(&disagree, &set), Err(VerifyErrorKind::Malformed));
    let unknown_x5t = forge::raw_token(&a, br#"{"alg":"RS256","x5t":"nope"}"#, b"{}");
    assert_eq!(verify(&unknown_x5t, &set), Err(VerifyErrorKind::UnknownKey));
}

#[test]
fn jwt_a22_a23_hostile_kid_is_only_a_map_key() {
    let rsa = SigningKey::generate(Algorithm::RS256, "k1");
    let set = KeySet::from_jwks_json(&jwks(&[&rsa])).unwrap();
    for kid in [
        "../../../../dev/null",
        "x' UNION SELECT 'AAAA' --",
        "/etc/passwd",
        "k1\\",
    ] {
        let empty_hmac = SigningKey::hmac(
            Algorithm::HS256,
            SecretBytes::new(Vec::new()),
            Some(kid.to_owned()),
        );
        let forged = token(&empty_hmac);
        assert_eq!(
            verify(&forged, &set),
            Err(VerifyErrorKind::UnknownKey),
            "{kid}"
        );
        let jws = Jws::parse(&forged).unwrap();
        let error = set.candidates(jws.header()).unwrap_err();
        assert!(!error.detail().contains(kid));
    }
}

#[test]
fn jwt_a25_unknown_kid_is_unknown_key() {
    let rsa = SigningKey::generate(Algorithm::RS256, "k1");
    let set = KeySet::from_jwks_json(&jwks(&[&rsa])).unwrap();
    let rotated = SigningKey::generate(Algorithm::RS256, "k2");
    assert_eq!(
        verify(&token(&rotated), &set),
        Err(VerifyErrorKind::UnknownKey)
    );
}

#[test]
fn jwt_a27_kid_less_token_tries_a_bounded_number_of_fitting_keys() {
    let keys: Vec<SigningKey> = (0..6)
        .map(|i| SigningKey::generate(Algorithm::ES256, format!("k{i}")))
        .collect();
    let rsa = SigningKey::generate(Algorithm::RS256, "r");
    let mut published: Vec<&SigningKey> = vec![&rsa];
    published.extend(keys.iter());
    let set = KeySet::from_jwks_json(&jwks(&published)).unwrap();
    let claims = forge::claims().to_string();
    let kid_less =
        |key: &SigningKey| forge::raw_token(key, br#"{"alg":"ES256"}"#, claims.as_bytes());
    let header = Jws::parse(&kid_less(&keys[0])).unwrap().header().clone();
    let candidates = set.candidates(&header).unwrap();
    assert_eq!(candidates.len(), 4);
    let kids: Vec<_> = candidates
        .iter()
        .map(|k| k.kid.as_deref().unwrap())
        .collect();
    assert_eq!(
        kids,
        ["k0", "k1", "k2", "k3"],
        "document order, EC keys only"
    );
    assert_eq!(verify(&kid_less(&keys[2]), &set), Ok(()));
    assert_eq!(
        verify(&kid_less(&keys[5]), &set),
        Err(VerifyErrorKind::BadSignature)
    );
}

#[test]
fn jwt_a28_duplicate_kid_tries_both_in_document_order() {
    let first = SigningKey::generate(Algorithm::RS256, "same");
    let second = SigningKey::generate(Algorithm::RS256, "same");
    let set = KeySet::from_jwks_json(&jwks(&[&first, &second])).unwrap();
    let header = Jws::parse(&token(&second)).unwrap().header().clone();
    let candidates = set.candidates(&header).unwrap();
    assert_eq!(candidates.len(), 2);
    assert_eq!(verify(&token(&first), &set), Ok(()));
    assert_eq!(verify(&token(&second), &set), Ok(()));
    let stranger = SigningKey::generate(Algorithm::RS256, "same");
    assert_eq!(
        verify(&token(&stranger), &set),
        Err(VerifyErrorKind::BadSignature)
    );
}

// ---------------------------------------------------------------------------------------------
// §1.C: signatures and key material.

/// `token` with its signature replaced by `signature`.
fn with_signature(token: &str, signature: &[u8]) -> String {
    let [h, p, _] = forge::segments(token);
    format!("{h}.{p}.{}", forge::b64(signature))
}

fn signature_of(token: &str) -> Vec<u8> {
    forge::unb64(&forge::segments(token)[2])
}

/// A set holding `key`'s verifying key (its JWK, or the secret for HMAC).
fn set_for(key: &SigningKey) -> KeySet {
    match key.public_jwk() {
        Some(_) => KeySet::from_jwks_json(&jwks(&[key])).unwrap(),
        None => KeySet::from_entries(vec![authgate_core::KeyEntry {
            kid: key.kid().map(str::to_owned),
            x5t: None,
            alg: Some(key.algorithm()),
            issuer: None,
            key: key.verifying_key().unwrap(),
        }]),
    }
}

#[test]
fn jwt_c01_flipped_signature_bit_rejected() {
    for key in forge::every_key() {
        let set = set_for(&key);
        let token = token(&key);
        let mut signature = signature_of(&token);
        for index in [0, signature.len() / 2, signature.len() - 1] {
            signature[index] ^= 0x01;
            let flipped = with_signature(&token, &signature);
            assert_eq!(
                verify(&flipped, &set),
                Err(VerifyErrorKind::BadSignature),
                "{}",
                key.algorithm()
            );
            signature[index] ^= 0x01;
        }
        assert_eq!(verify(&with_signature(&token, &signature), &set), Ok(()));
    }
}

#[test]
fn jwt_c02_edited_payload_rejected() {
    for key in forge::every_key() {
        let set = set_for(&key);
        let [h, _, s] = forge::segments(&token(&key));
        let mut claims = forge::claims();
        claims["roles"] = json!(["admin"]);
        let edited = format!("{h}.{}.{s}", forge::b64(claims.to_string()));
        assert_eq!(
            verify(&edited, &set),
            Err(VerifyErrorKind::BadSignature),
            "{}",
            key.algorithm()
        );
    }
}

#[test]
fn jwt_c03_edited_header_rejected() {
    let k1 = SigningKey::generate(Algorithm::RS256, "k1");
    let k2 = SigningKey::generate(Algorithm::RS256, "k2");
    let set = KeySet::from_jwks_json(&jwks(&[&k1, &k2])).unwrap();
    let [_, p, s] = forge::segments(&token(&k1));
    let header = forge::b64(br#"{"alg":"RS256","kid":"k2"}"#);
    assert_eq!(
        verify(&format!("{header}.{p}.{s}"), &set),
        Err(VerifyErrorKind::BadSignature)
    );
}

/// The order of P-256 (SEC 2 §2.4.2).
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// `a - b` for big-endian numbers of equal length with `a >= b`.
fn sub_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    out
}

fn es256_fixture() -> (String, KeySet) {
    let key = SigningKey::generate(Algorithm::ES256, "ec");
    (token(&key), set_for(&key))
}

#[test]
fn jwt_c05_es256_zero_signature_rejected() {
    let (token, set) = es256_fixture();
    assert_eq!(
        verify(&with_signature(&token, &[0; 64]), &set),
        Err(VerifyErrorKind::BadSignature)
    );
}

#[test]
fn jwt_c06_es256_r_or_s_out_of_range_rejected() {
    let (token, set) = es256_fixture();
    let signature = signature_of(&token);
    let (r, s) = signature.split_at(32);
    let n_plus_one = {
        let mut v = P256_ORDER.to_vec();
        v[31] += 1;
        v
    };
    for (r, s) in [
        (&P256_ORDER[..], s),
        (r, &P256_ORDER[..]),
        (&P256_ORDER[..], &P256_ORDER[..]),
        (&[0xff; 32][..], s),
        (r, &[0xff; 32][..]),
        (&n_plus_one[..], s),
        (&[0; 32][..], s),
        (r, &[0; 32][..]),
    ] {
        let forged = with_signature(&token, &[r, s].concat());
        assert_eq!(verify(&forged, &set), Err(VerifyErrorKind::BadSignature));
    }
}

#[test]
fn jwt_c07_es256_der_or_wrong_length_rejected() {
    let (token, set) = es256_fixture();
    let signature = signature_of(&token);
    let (r, s) = signature.split_at(32);
    let der_signature = der(0x30, &[der_uint(r), der_uint(s)].concat());
    assert_eq!(
        verify(&with_signature(&token, &der_signature), &set),
        Err(VerifyErrorKind::BadSignature)
    );
    for len in [63, 65, 72, 96, 1] {
        let mut resized = signature.clone();
        resized.resize(len, 0);
        assert_eq!(
            verify(&with_signature(&token, &resized), &set),
            Err(VerifyErrorKind::BadSignature)
        );
    }
    let mut leading_zero = vec![0];
    leading_zero.extend_from_slice(&signature);
    assert_eq!(
        verify(&with_signature(&token, &leading_zero), &set),
        Err(VerifyErrorKind::BadSignature)
    );
}

#[test]
fn jwt_c08_es256_high_s_twin_is_accepted_by_policy() {
    let (token, set) = es256_fixture();
    let signature = signature_of(&token);
    let (r, s) = signature.split_at(32);
    let twin = [r, &sub_be(&P256_ORDER, s)].concat();
    assert_ne!(twin, signature);
    // Mathematically valid: accepted. Nothing keys on signature bytes (replay uses jti/iss).
    assert_eq!(verify(&with_signature(&token, &twin), &set), Ok(()));
}

#[test]
fn jwt_c09_rsa_signature_of_wrong_length_rejected() {
    let key = SigningKey::generate(Algorithm::RS256, "r");
    let set = set_for(&key);
    let token = token(&key);
    let signature = signature_of(&token);
    let mut longer = vec![0];
    longer.extend_from_slice(&signature);
    let mut stripped = signature.clone();
    stripped.remove(0);
    let mut short_padded = signature.clone();
    short_padded.pop();
    for bad in [longer, stripped, short_padded, vec![0; 512], vec![1]] {
        assert_eq!(
            verify(&with_signature(&token, &bad), &set),
            Err(VerifyErrorKind::BadSignature)
        );
    }
}

/// A JWKS of one RSA key with the given big-endian modulus and exponent.
fn rsa_jwks(n: &[u8], e: &[u8]) -> Vec<u8> {
    json!({"keys": [{"kty": "RSA", "kid": "r", "n": forge::b64(n), "e": forge::b64(e)}]})
        .to_string()
        .into_bytes()
}

/// An odd number of exactly `bits` bits (not a real modulus: size checks come first).
fn fake_modulus(bits: usize) -> Vec<u8> {
    let mut n = vec![0x5a; bits / 8];
    n[0] = 0x80;
    *n.last_mut().unwrap() |= 1;
    n
}

#[test]
fn jwt_c10_rsa_key_under_2048_bits_skipped() {
    for bits in [512, 1024, 2040] {
        let error = KeySet::from_jwks_json(&rsa_jwks(&fake_modulus(bits), &[1, 0, 1])).unwrap_err();
        assert_eq!(
            error,
            authgate_core::KeySetError::NoUsableKeys {
                skipped: 1,
                private: 0
            }
        );
        assert!(VerifyingKey::rsa(&fake_modulus(bits), &[1, 0, 1]).is_err());
    }
    // Leading zero octets do not count as modulus bits.
    let padded = [&[0, 0][..], &fake_modulus(1024)].concat();
    assert!(VerifyingKey::rsa(&padded, &[1, 0, 1]).is_err());
}

#[test]
fn jwt_c11_weak_key_parameters_skipped() {
    let real = SigningKey::generate(Algorithm::RS256, "r")
        .public_jwk()
        .unwrap();
    let n = forge::unb64(real["n"].as_str().unwrap());
    for e in [
        &[1][..],
        &[2],
        &[1, 0, 0],
        &[],
        &[0],
        &[0, 1],
        &[3, 0, 0, 0, 0, 0, 0, 0, 1],
    ] {
        assert!(
            KeySet::from_jwks_json(&rsa_jwks(&n, e)).is_err(),
            "e = {e:?}"
        );
    }
    assert!(KeySet::from_jwks_json(&rsa_jwks(&n, &[3])).is_ok());
    assert!(
        KeySet::from_jwks_json(&rsa_jwks(&[0xc5], &[1, 0, 1])).is_err(),
        "tiny n"
    );
    let mut even = n.clone();
    *even.last_mut().unwrap() &= 0xfe;
    assert!(
        KeySet::from_jwks_json(&rsa_jwks(&even, &[1, 0, 1])).is_err(),
        "even n"
    );
    // An EC point off the curve.
    let ec = SigningKey::generate(Algorithm::ES256, "e")
        .public_jwk()
        .unwrap();
    let mut off_curve = ec.clone();
    let mut y = forge::unb64(ec["y"].as_str().unwrap());
    y[31] ^= 1;
    off_curve["y"] = json!(forge::b64(&y));
    let doc = json!({"keys": [off_curve]}).to_string();
    assert!(KeySet::from_jwks_json(doc.as_bytes()).is_err());
    // Ed25519 keys of small order: the identity and a point of order 8.
    let mut order8 = [0u8; 32];
    order8.copy_from_slice(&[
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ]);
    let mut identity = [0u8; 32];
    identity[0] = 1;
    for x in [identity, order8, [0; 32]] {
        let doc =
            json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": forge::b64(x)}]}).to_string();
        assert!(KeySet::from_jwks_json(doc.as_bytes()).is_err());
        assert!(VerifyingKey::ed25519(&x).is_err());
    }
}

#[test]
fn jwt_c12_pss_and_pkcs1_are_not_interchangeable() {
    let rsa = SigningKey::generate(Algorithm::PS256, "r");
    let jwk = {
        let mut jwk = rsa.public_jwk().unwrap();
        jwk.as_object_mut().unwrap().remove("alg");
        jwk
    };
    let set = KeySet::from_jwks_json(json!({"keys": [jwk]}).to_string().as_bytes()).unwrap();
    let pss = token(&rsa);
    let [_, p, s] = forge::segments(&pss);
    let as_rs256 = format!("{}.{p}.{s}", forge::b64(br#"{"alg":"RS256","kid":"r"}"#));
    assert_eq!(verify(&as_rs256, &set), Err(VerifyErrorKind::BadSignature));
    // The reverse: a PKCS#1 signature over a header claiming PS256.
    let pkcs1 = SigningKey::generate(Algorithm::RS256, "r");
    let message = format!("{}.{p}", forge::b64(br#"{"alg":"PS256","kid":"r"}"#));
    let forged = format!("{message}.{}", forge::b64(pkcs1.sign(message.as_bytes())));
    let mut jwk = pkcs1.public_jwk().unwrap();
    jwk.as_object_mut().unwrap().remove("alg");
    let set = KeySet::from_jwks_json(json!({"keys": [jwk]}).to_string().as_bytes()).unwrap();
    assert_eq!(verify(&forged, &set), Err(VerifyErrorKind::BadSignature));
}

#[test]
fn jwt_c14_eddsa_non_canonical_s_rejected() {
    // L, the order of the Ed25519 base point, little-endian (RFC 8032 §5.1).
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let key = SigningKey::generate(Algorithm::EdDSA, "ed");
    let set = set_for(&key);
    let token = token(&key);
    let mut signature = signature_of(&token);
    // S + L (little-endian addition) is the same scalar mod L but not canonical.
    let mut carry = 0u16;
    for (byte, l) in signature[32..].iter_mut().zip(L) {
        let sum = u16::from(*byte) + u16::from(l) + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    assert_eq!(
        verify(&with_signature(&token, &signature), &set),
        Err(VerifyErrorKind::BadSignature)
    );
}

#[test]
fn jwt_c16_keys_with_private_members_skipped() {
    let good = SigningKey::generate(Algorithm::ES256, "good");
    let leaked = SigningKey::generate(Algorithm::RS256, "leaked");
    for member in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
        let mut jwk = leaked.public_jwk().unwrap();
        jwk[member] = json!("AQAB");
        let doc = json!({"keys": [jwk, good.public_jwk().unwrap()]}).to_string();
        let set = KeySet::from_jwks_json(doc.as_bytes()).unwrap();
        assert_eq!((set.keys().len(), set.skipped()), (1, 1), "{member}");
        assert_eq!(
            set.private_keys_skipped(),
            1,
            "counted for the alert: {member}"
        );
        assert_eq!(
            verify(&token(&leaked), &set),
            Err(VerifyErrorKind::UnknownKey)
        );
    }
    let unusable = json!({"kty": "RSA", "kid": "weak", "n": "AQAB", "e": "AQAB"});
    let doc = json!({"keys": [unusable, good.public_jwk().unwrap()]}).to_string();
    let set = KeySet::from_jwks_json(doc.as_bytes()).unwrap();
    assert_eq!((set.skipped(), set.private_keys_skipped()), (1, 0));
    let oct = json!({"kty": "oct", "kid": "h", "k": forge::b64([7; 32])});
    let doc = json!({"keys": [oct]}).to_string();
    assert_eq!(
        KeySet::from_jwks_json(doc.as_bytes()).unwrap_err(),
        authgate_core::KeySetError::NoUsableKeys {
            skipped: 1,
            private: 1
        },
        "a document of private keys only is refused, and the count is kept for the alert"
    );
}

#[test]
fn jwt_c17_keys_not_for_signatures_skipped() {
    let key = SigningKey::generate(Algorithm::RS256, "k");
    let variants = [
        json!({"use": "enc"}),
        json!({"use": "SIG"}),
        json!({"use": 1}),
        json!({"key_ops": ["encrypt"]}),
        json!({"key_ops": ["sign"]}),
        json!({"key_ops": []}),
        json!({"key_ops": "verify"}),
    ];
    for variant in variants {
        let mut jwk = key.public_jwk().unwrap();
        jwk.as_object_mut()
            .unwrap()
            .extend(forge::object(variant.clone()));
        let doc = json!({"keys": [jwk]}).to_string();
        assert!(KeySet::from_jwks_json(doc.as_bytes()).is_err(), "{variant}");
    }
    let mut ok = key.public_jwk().unwrap();
    ok["key_ops"] = json!(["verify", "sign"]);
    let set = KeySet::from_jwks_json(json!({"keys": [ok]}).to_string().as_bytes()).unwrap();
    assert_eq!(verify(&token(&key), &set), Ok(()));
}

#[test]
fn jwt_c18_unparseable_keys_skipped_and_good_key_kept() {
    let good = SigningKey::generate(Algorithm::RS256, "good");
    let bad_keys = json!([
        {"kty": "AKP", "alg": "ML-DSA-44", "pub": "AAAA", "kid": "pq"},
        {"kty": "INVENTED", "kid": "x"},
        {"kty": "RSA", "kid": "m", "n": "not base64!", "e": "AQAB"},
        {"kty": "RSA", "kid": "m2", "n": "AQAB==", "e": "AQAB"},
        {"kty": "RSA", "kid": "m3", "e": "AQAB"},
        {"kty": "RSA", "kid": "m4", "n": 12, "e": "AQAB"},
        {"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"},
        {"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"},
        {"kty": "EC", "crv": "P-256", "x": "AA"},
        {"kty": "OKP", "crv": "Ed448", "x": "AA"},
        {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},
        {"kid": "no-kty"},
        {"kty": 1},
        "a string",
        42,
        null,
        [],
        {"kty": "RSA", "kid": 7, "n": "AQAB", "e": "AQAB"},
        {"kty": "EC", "crv": "P-256", "alg": "ES384", "x": "AA", "y": "AA"},
    ]);
    let mut keys = bad_keys.as_array().unwrap().clone();
    let mut pinned_unsupported = good.public_jwk().unwrap();
    pinned_unsupported["alg"] = json!("RS1");
    keys.push(pinned_unsupported);
    let mut pinned_other_family = good.public_jwk().unwrap();
    pinned_other_family["alg"] = json!("ES256");
    keys.push(pinned_other_family);
    let mut bad_issuer = good.public_jwk().unwrap();
    bad_issuer["issuer"] = json!(["x"]);
    keys.push(bad_issuer);
    let bad_count = keys.len();
    keys.push(good.public_jwk().unwrap());
    let set = KeySet::from_jwks_json(json!({ "keys": keys }).to_string().as_bytes()).unwrap();
    assert_eq!((set.keys().len(), set.skipped()), (1, bad_count));
    assert_eq!(verify(&token(&good), &set), Ok(()));
}

#[test]
fn jwt_c19_x5c_is_ignored_in_favour_of_n_and_e() {
    let key = SigningKey::generate(Algorithm::RS256, "k");
    let mut jwk = key.public_jwk().unwrap();
    jwk["x5c"] = json!(["MIIC+DCCAeCgAwIBAgIJAN0tbogusCertificate"]);
    jwk["x5t"] = json!("k");
    let set = KeySet::from_jwks_json(json!({"keys": [jwk]}).to_string().as_bytes()).unwrap();
    assert_eq!(verify(&token(&key), &set), Ok(()));
}

#[test]
fn jwt_r04_oversized_rsa_key_skipped() {
    let error = KeySet::from_jwks_json(&rsa_jwks(&fake_modulus(16_384), &[1, 0, 1])).unwrap_err();
    assert_eq!(
        error,
        authgate_core::KeySetError::NoUsableKeys {
            skipped: 1,
            private: 0
        }
    );
    assert!(VerifyingKey::rsa(&fake_modulus(8200), &[1, 0, 1]).is_err());
}

// ---------------------------------------------------------------------------------------------
// JWKS documents as a whole.

#[test]
fn jwks_document_must_be_an_object_with_a_keys_array() {
    use authgate_core::KeySetError::{NoUsableKeys, NotAJwks};
    for doc in [
        &b"[]"[..],
        b"{}",
        br#"{"keys":{}}"#,
        br#"{"keys":null}"#,
        b"<html>",
        b"",
        br#"{"error":"x"}"#,
    ] {
        assert!(
            matches!(KeySet::from_jwks_json(doc), Err(NotAJwks(_))),
            "{}",
            String::from_utf8_lossy(doc)
        );
    }
    assert_eq!(
        KeySet::from_jwks_json(br#"{"keys":[]}"#).unwrap_err(),
        NoUsableKeys {
            skipped: 0,
            private: 0
        }
    );
    let dup = br#"{"keys":[],"keys":[]}"#;
    assert!(matches!(KeySet::from_jwks_json(dup), Err(NotAJwks(_))));
}

#[test]
fn jwks_with_too_many_keys_is_refused() {
    let key = SigningKey::generate(Algorithm::ES256, "k")
        .public_jwk()
        .unwrap();
    let keys: Vec<_> = (0..101).map(|_| key.clone()).collect();
    let doc = json!({ "keys": keys }).to_string();
    assert!(matches!(
        KeySet::from_jwks_json(doc.as_bytes()),
        Err(authgate_core::KeySetError::NotAJwks(_))
    ));
    let doc = json!({ "keys": &keys[..100] }).to_string();
    assert_eq!(
        KeySet::from_jwks_json(doc.as_bytes()).unwrap().keys().len(),
        100
    );
}

#[test]
fn jwks_keeps_kid_x5t_alg_and_entra_issuer() {
    let key = SigningKey::generate(Algorithm::RS256, "kid-1");
    let mut jwk = key.public_jwk().unwrap();
    jwk["x5t"] = json!("kid-1");
    jwk["issuer"] = json!("https://login.microsoftonline.com/{tenantid}/v2.0");
    let set = KeySet::from_jwks_json(json!({"keys": [jwk]}).to_string().as_bytes()).unwrap();
    let entry = &set.keys()[0];
    assert_eq!(entry.kid.as_deref(), Some("kid-1"));
    assert_eq!(entry.x5t.as_deref(), Some("kid-1"));
    assert_eq!(entry.alg, Some(Algorithm::RS256));
    assert_eq!(
        entry.issuer.as_deref(),
        Some("https://login.microsoftonline.com/{tenantid}/v2.0")
    );
}

#[test]
fn private_keys_round_trip_through_their_stored_form() {
    for key in forge::every_key() {
        let alg = key.algorithm();
        let stored = key.to_private_bytes();
        let loaded =
            SigningKey::from_private_bytes(alg, stored.expose_secret(), Some("again".into()))
                .unwrap();
        assert_eq!((loaded.algorithm(), loaded.kid()), (alg, Some("again")));
        let message = b"stored and loaded";
        let signature = loaded.sign(message);
        key.verifying_key()
            .unwrap()
            .verify(alg, message, &signature)
            .unwrap();
    }
    let ec = SigningKey::generate(Algorithm::ES256, "k").to_private_bytes();
    assert!(SigningKey::from_private_bytes(Algorithm::ES384, ec.expose_secret(), None).is_err());
    assert!(SigningKey::from_private_bytes(Algorithm::RS256, ec.expose_secret(), None).is_err());
    assert!(SigningKey::from_private_bytes(Algorithm::EdDSA, b"junk", None).is_err());
    assert!(SigningKey::from_private_bytes(Algorithm::HS256, &[1; 31], None).is_err());
    // RFC 7518 §3.2: a secret shorter than the hash output is no key for that algorithm.
    assert!(SigningKey::from_private_bytes(Algorithm::HS256, &[1; 32], None).is_ok());
    assert!(SigningKey::from_private_bytes(Algorithm::HS384, &[1; 47], None).is_err());
    assert!(SigningKey::from_private_bytes(Algorithm::HS512, &[1; 63], None).is_err());
    assert!(SigningKey::from_private_bytes(Algorithm::HS512, &[1; 64], None).is_ok());
}
