//! Strict, canonical, unpadded base64url (RFC 7515 §2).
