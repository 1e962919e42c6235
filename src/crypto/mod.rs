//! Cryptography every request needs: the tran token, correlation ids and JWE.

pub mod ids;
pub mod jwe;
pub mod token;
