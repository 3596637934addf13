use super::*;
use crate::jose::SigningKey;

fn rsa_parts(key: &SigningKey) -> (Vec<u8>, Vec<u8>) {
    let jwk = key.public_jwk().unwrap();
    let field =
        |name: &str| crate::jose::b64::decode(jwk[name].as_str().unwrap().as_bytes()).unwrap();
    (field("n"), field("e"))
}

#[test]
fn key_types_are_bound_to_algorithm_families() {
    for signer in Algorithm::ALL.map(|alg| SigningKey::generate(alg, "k")) {
        let key = signer.verifying_key().unwrap();
        let own = signer.algorithm();
        let family: Vec<Algorithm> = Algorithm::ALL
            .into_iter()
            .filter(|a| key.supports(*a))
            .collect();
        let expected: Vec<Algorithm> = match own {
            Algorithm::ES256 | Algorithm::ES384 | Algorithm::EdDSA => vec![own],
            // A generated secret has the hash length: it verifies its own and shorter hashes.
            alg if alg.is_hmac() => {
                let hs = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
                let end = hs.iter().position(|a| *a == alg).unwrap();
                hs[..=end].to_vec()
            }
            _ => RSA_ALGS.iter().map(|(a, _)| *a).collect(),
        };
        assert_eq!(family, expected, "{own}");
        let message = b"message";
        let signature = signer.sign(message);
        key.verify(own, message, &signature).unwrap();
        for other in Algorithm::ALL.into_iter().filter(|a| !key.supports(*a)) {
            let error = key.verify(other, message, &signature).unwrap_err();
            assert_eq!(error.kind(), VerifyErrorKind::DisallowedAlg);
        }
    }
}

#[test]
fn rsa_bounds() {
    let signer = SigningKey::generate(Algorithm::RS256, "k");
    let (n, e) = rsa_parts(&signer);
    assert!(VerifyingKey::rsa(&n, &e).is_ok());
    // Leading zero octets are tolerated (some publishers add one) and do not count.
    let padded = [&[0u8][..], &n].concat();
    assert!(VerifyingKey::rsa(&padded, &[0, 1, 0, 1]).is_ok());
    assert!(VerifyingKey::rsa(&n, &[3]).is_ok());
    for bad_e in [&[][..], &[0], &[1], &[2], &[1, 0, 0], &[1; 9]] {
        assert!(VerifyingKey::rsa(&n, bad_e).is_err(), "{bad_e:?}");
    }
    assert!(VerifyingKey::rsa(&n[1..], &e).is_err(), "2040 bits");
    assert!(VerifyingKey::rsa(&[], &e).is_err());
}

#[test]
fn rsa_modulus_bit_length() {
    let bits = |n: &[u8]| check_rsa_modulus(n).is_ok();
    let mut n = vec![0xff; 256];
    assert!(bits(&n));
    n[0] = 0x80;
    assert!(bits(&n));
    n[0] = 0x7f;
    assert!(!bits(&n), "2047 bits");
    assert!(bits(&[&[0x80][..], &[1; 1023]].concat()), "8192 bits");
    assert!(!bits(&[&[0x01][..], &[1; 1024]].concat()), "8193 bits");
}

#[test]
fn ec_coordinates_must_have_the_curve_length() {
    let signer = SigningKey::generate(Algorithm::ES256, "k");
    let jwk = signer.public_jwk().unwrap();
    let x = crate::jose::b64::decode(jwk["x"].as_str().unwrap().as_bytes()).unwrap();
    let y = crate::jose::b64::decode(jwk["y"].as_str().unwrap().as_bytes()).unwrap();
    assert!(VerifyingKey::ec("P-256", &x, &y).is_ok());
    assert!(VerifyingKey::ec("P-384", &x, &y).is_err());
    assert!(VerifyingKey::ec("P-521", &x, &y).is_err());
    assert!(VerifyingKey::ec("p-256", &x, &y).is_err());
    assert!(VerifyingKey::ec("P-256", &x[1..], &y).is_err());
    let padded = [&[0u8][..], &x].concat();
    assert!(VerifyingKey::ec("P-256", &padded, &y).is_err());
}

#[test]
fn hmac_verification() {
    let secret = SecretBytes::new(vec![9; 64]);
    let key = VerifyingKey::hmac(secret.clone()).unwrap();
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let signer = SigningKey::hmac(alg, secret.clone(), None);
        let tag = signer.sign(b"m");
        key.verify(alg, b"m", &tag).unwrap();
        assert_eq!(
            key.verify(alg, b"m", &tag[..tag.len() - 1])
                .unwrap_err()
                .kind(),
            VerifyErrorKind::BadSignature
        );
        assert_eq!(
            key.verify(alg, b"n", &tag).unwrap_err().kind(),
            VerifyErrorKind::BadSignature
        );
    }
    let hs256 = SigningKey::hmac(Algorithm::HS256, secret, None).sign(b"m");
    assert!(key.verify(Algorithm::HS512, b"m", &hs256).is_err());
}

#[test]
fn hmac_secret_shorter_than_the_hash_does_not_verify_that_algorithm() {
    // RFC 7518 §3.2: at least 32, 48 and 64 bytes for HS256, HS384 and HS512.
    let hs = [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
    for (len, verified) in [(32, 1), (47, 1), (48, 2), (63, 2), (64, 3), (100, 3)] {
        let secret = SecretBytes::new(vec![5; len]);
        let key = VerifyingKey::hmac(secret.clone()).unwrap();
        for (i, alg) in hs.into_iter().enumerate() {
            let tag = SigningKey::hmac(alg, secret.clone(), None).sign(b"m");
            let outcome = key.verify(alg, b"m", &tag).map_err(|e| e.kind());
            if i < verified {
                assert_eq!(outcome, Ok(()), "{len} bytes, {alg}");
                assert!(key.supports(alg), "{len} bytes, {alg}");
            } else {
                assert_eq!(
                    outcome,
                    Err(VerifyErrorKind::DisallowedAlg),
                    "{len} bytes, {alg}"
                );
                assert!(!key.supports(alg), "{len} bytes, {alg}");
            }
        }
    }
}

#[test]
fn debug_shows_the_type_never_key_material() {
    let hmac = VerifyingKey::hmac(SecretBytes::new(
        b"0123456789abcdef0123456789abcdef".to_vec(),
    ))
    .unwrap();
    assert_eq!(format!("{hmac:?}"), "VerifyingKey(HMAC([redacted]))");
    let rsa = SigningKey::generate(Algorithm::RS256, "k")
        .verifying_key()
        .unwrap();
    assert_eq!(format!("{rsa:?}"), "VerifyingKey(RSA-2048)");
}

#[test]
fn the_same_public_key_is_recognised_by_type_and_material_and_a_secret_never() {
    for alg in Algorithm::ALL.into_iter().filter(|a| !a.is_hmac()) {
        let signer = SigningKey::generate(alg, "k");
        let (first, second) = (
            signer.verifying_key().unwrap(),
            signer.verifying_key().unwrap(),
        );
        assert!(first.same_public_key(&second), "{alg}");
        let other = SigningKey::generate(alg, "k").verifying_key().unwrap();
        assert!(!first.same_public_key(&other), "{alg}");
    }
    let es256 = SigningKey::generate(Algorithm::ES256, "k");
    let ps256 = SigningKey::generate(Algorithm::PS256, "k");
    let (ec, rsa) = (
        es256.verifying_key().unwrap(),
        ps256.verifying_key().unwrap(),
    );
    assert!(!ec.same_public_key(&rsa));
    let secret = || VerifyingKey::hmac(SecretBytes::new(vec![9; 48])).unwrap();
    assert!(!secret().same_public_key(&secret()));
    let p384 = SigningKey::generate(Algorithm::ES384, "k");
    assert!(!ec.same_public_key(&p384.verifying_key().unwrap()));
}

#[test]
fn an_rsa_key_is_the_same_whatever_its_leading_zeros_and_not_with_another_exponent() {
    let (n, e) = rsa_parts(&SigningKey::generate(Algorithm::RS256, "k"));
    let key = VerifyingKey::rsa(&n, &e).unwrap();
    let padded_n = [&[0u8][..], &n].concat();
    assert!(key.same_public_key(&VerifyingKey::rsa(&padded_n, &e).unwrap()));
    let other_e = VerifyingKey::rsa(&n, &[3]).unwrap();
    assert!(!key.same_public_key(&other_e));
}
