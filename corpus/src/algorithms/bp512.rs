//! ECDSA on brainpoolP512r1 (RFC 5639, 3.7), which no RustCrypto crate signs on: Jacobian
//! arithmetic over the `rsa` crate's big integers. Slow and not constant-time — test material
//! for the one case of the `algorithms` profile that uses it, whose signatures sigaudit must
//! call unsupported (and python-cryptography, the tests' oracle, valid).

use rsa::BigUint;

const P: &[u8] = b"aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca703308717d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3";
const A: &[u8] = b"7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca";
/// The curve coefficient b (only the on-curve test needs it).
#[cfg(test)]
const B: &[u8] = b"3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723";
const GX: &[u8] = b"81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098eff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822";
const GY: &[u8] = b"7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892";
const N: &[u8] = b"aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069";

/// Bytes of a coordinate or scalar.
const WIDTH: usize = 64;

fn hex(h: &[u8]) -> BigUint {
    BigUint::parse_bytes(h, 16).expect("curve constant")
}

/// The curve `y² = x³ + ax + b` over F_p, with its base point and order.
struct Curve {
    p: BigUint,
    a: BigUint,
    n: BigUint,
    g: Affine,
}

type Affine = (BigUint, BigUint);

/// `(X, Y, Z)` standing for `(X/Z², Y/Z³)`; `Z = 0` is the point at infinity.
#[derive(Clone)]
struct Jacobian(BigUint, BigUint, BigUint);

impl Curve {
    fn new() -> Curve {
        Curve {
            p: hex(P),
            a: hex(A),
            n: hex(N),
            g: (hex(GX), hex(GY)),
        }
    }

    fn sub(&self, x: &BigUint, y: &BigUint) -> BigUint {
        (x + &self.p - (y % &self.p)) % &self.p
    }

    fn mul(&self, x: &BigUint, y: &BigUint) -> BigUint {
        (x * y) % &self.p
    }

    fn double(&self, q: &Jacobian) -> Jacobian {
        let Jacobian(x, y, z) = q;
        if *z == BigUint::from(0u8) || *y == BigUint::from(0u8) {
            return Jacobian(1u8.into(), 1u8.into(), 0u8.into());
        }
        let yy = self.mul(y, y);
        let s = self.mul(&(x * 4u8), &yy);
        let zz = self.mul(z, z);
        let m = (self.mul(&(x * 3u8), x) + self.mul(&self.a, &self.mul(&zz, &zz))) % &self.p;
        let x3 = self.sub(&self.mul(&m, &m), &(&s * 2u8));
        let y3 = self.sub(
            &self.mul(&m, &self.sub(&s, &x3)),
            &(self.mul(&yy, &yy) * 8u8),
        );
        let z3 = self.mul(&(y * 2u8), z);
        Jacobian(x3, y3, z3)
    }

    fn add(&self, q: &Jacobian, r: &Jacobian) -> Jacobian {
        let zero = BigUint::from(0u8);
        if q.2 == zero {
            return r.clone();
        }
        if r.2 == zero {
            return q.clone();
        }
        let (z1z1, z2z2) = (self.mul(&q.2, &q.2), self.mul(&r.2, &r.2));
        let u1 = self.mul(&q.0, &z2z2);
        let u2 = self.mul(&r.0, &z1z1);
        let s1 = self.mul(&q.1, &self.mul(&r.2, &z2z2));
        let s2 = self.mul(&r.1, &self.mul(&q.2, &z1z1));
        if u1 == u2 {
            return if s1 == s2 {
                self.double(q)
            } else {
                Jacobian(1u8.into(), 1u8.into(), zero)
            };
        }
        let h = self.sub(&u2, &u1);
        let rr = self.sub(&s2, &s1);
        let hh = self.mul(&h, &h);
        let hhh = self.mul(&hh, &h);
        let u1hh = self.mul(&u1, &hh);
        let x3 = self.sub(&self.sub(&self.mul(&rr, &rr), &hhh), &(&u1hh * 2u8));
        let y3 = self.sub(&self.mul(&rr, &self.sub(&u1hh, &x3)), &self.mul(&s1, &hhh));
        let z3 = self.mul(&h, &self.mul(&q.2, &r.2));
        Jacobian(x3, y3, z3)
    }

    /// `k·point`, affine (`None` for the point at infinity).
    fn scalar_mul(&self, k: &BigUint, point: &Affine) -> Option<Affine> {
        let base = Jacobian(point.0.clone(), point.1.clone(), 1u8.into());
        let mut acc = Jacobian(1u8.into(), 1u8.into(), 0u8.into());
        for byte in k.to_bytes_be() {
            for i in (0..8).rev() {
                acc = self.double(&acc);
                if byte >> i & 1 == 1 {
                    acc = self.add(&acc, &base);
                }
            }
        }
        if acc.2 == BigUint::from(0u8) {
            return None;
        }
        // Z is invertible modulo the prime p: Z^(p−2) (Fermat).
        let zi = acc.2.modpow(&(&self.p - 2u8), &self.p);
        let zi2 = self.mul(&zi, &zi);
        Some((
            self.mul(&acc.0, &zi2),
            self.mul(&acc.1, &self.mul(&zi2, &zi)),
        ))
    }
}

fn fixed(n: &BigUint) -> Vec<u8> {
    let b = n.to_bytes_be();
    let mut out = vec![0u8; WIDTH - b.len()];
    out.extend_from_slice(&b);
    out
}

/// A brainpoolP512r1 signing key.
pub struct SigningKey {
    d: BigUint,
    public: Affine,
}

impl SigningKey {
    /// The key whose scalar is SHA-512 of `label`, reduced into `[1, n−1]`.
    pub fn from_label(label: &[u8]) -> SigningKey {
        let c = Curve::new();
        let h = ring::digest::digest(&ring::digest::SHA512, label);
        let d = BigUint::from_bytes_be(h.as_ref()) % (&c.n - 1u8) + 1u8;
        let public = c.scalar_mul(&d, &c.g).expect("d in [1, n−1]");
        SigningKey { d, public }
    }

    /// The public key as an uncompressed SEC1 point, `04 ‖ x ‖ y`.
    pub fn public_point(&self) -> Vec<u8> {
        let mut out = vec![0x04];
        out.extend(fixed(&self.public.0));
        out.extend(fixed(&self.public.1));
        out
    }

    /// A DER `Ecdsa-Sig-Value` over `prehash` (SEC 1, 4.1.3), the nonce derived from the key
    /// and the prehash (deterministic; not RFC 6979's construction).
    pub fn sign_prehash(&self, prehash: &[u8]) -> Vec<u8> {
        let c = Curve::new();
        // e: the leftmost 512 bits of the hash (all of them when it is no longer).
        let mut e = BigUint::from_bytes_be(prehash);
        if prehash.len() > WIDTH {
            e >>= 8 * (prehash.len() - WIDTH);
        }
        for counter in 0u32.. {
            let seed = [
                fixed(&self.d),
                prehash.to_vec(),
                counter.to_be_bytes().to_vec(),
            ]
            .concat();
            let h = ring::digest::digest(&ring::digest::SHA512, &seed);
            let k = BigUint::from_bytes_be(h.as_ref()) % (&c.n - 1u8) + 1u8;
            let Some((x, _)) = c.scalar_mul(&k, &c.g) else {
                continue;
            };
            let r = x % &c.n;
            let k_inv = k.modpow(&(&c.n - 2u8), &c.n);
            let s = (k_inv * ((&e + &r * &self.d) % &c.n)) % &c.n;
            if r != BigUint::from(0u8) && s != BigUint::from(0u8) {
                return der_signature(&r, &s);
            }
        }
        unreachable!("a nonce is found")
    }
}

/// `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`.
fn der_signature(r: &BigUint, s: &BigUint) -> Vec<u8> {
    let int = |n: &BigUint| {
        let mut b = n.to_bytes_be();
        if b[0] & 0x80 != 0 {
            b.insert(0, 0);
        }
        super::sign::tlv(0x02, &b)
    };
    super::sign::tlv(0x30, &[int(r), int(s)].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_point_is_on_the_curve_and_has_order_n() {
        let c = Curve::new();
        let (x, y) = &c.g;
        let rhs = (c.mul(&c.mul(x, x), x) + c.mul(&c.a, x) + hex(B)) % &c.p;
        assert_eq!(c.mul(y, y), rhs);
        assert!(c.scalar_mul(&c.n, &c.g).is_none());
        let minus_one = c.scalar_mul(&(&c.n - 1u8), &c.g).expect("a point");
        assert_eq!(minus_one.0, c.g.0);
        assert_eq!(minus_one.1, &c.p - &c.g.1);
    }

    #[test]
    fn signatures_verify() {
        let c = Curve::new();
        let key = SigningKey::from_label(b"bp512 test");
        let z = ring::digest::digest(&ring::digest::SHA512, b"message");
        let sig = key.sign_prehash(z.as_ref());
        // Parse r and s back (both are 64 or 65 bytes, so short-form lengths).
        assert_eq!(sig[0], 0x30);
        let body = &sig[if sig[1] == 0x81 { 3 } else { 2 }..];
        let r_len = body[1] as usize;
        let r = BigUint::from_bytes_be(&body[2..2 + r_len]);
        let s = BigUint::from_bytes_be(&body[4 + r_len..]);
        // SEC 1, 4.1.4: u1 = e/s, u2 = r/s, x(u1·G + u2·Q) ≡ r.
        let w = s.modpow(&(&c.n - 2u8), &c.n);
        let e = BigUint::from_bytes_be(z.as_ref());
        let u1 = (&e * &w) % &c.n;
        let u2 = (&r * &w) % &c.n;
        let p1 = c.scalar_mul(&u1, &c.g).expect("point");
        let p2 = c.scalar_mul(&u2, &key.public).expect("point");
        let j = |p: &Affine| Jacobian(p.0.clone(), p.1.clone(), 1u8.into());
        let sum = c.add(&j(&p1), &j(&p2));
        let zi = sum.2.modpow(&(&c.p - 2u8), &c.p);
        let x = c.mul(&sum.0, &c.mul(&zi, &zi));
        assert_eq!(x % &c.n, r);
    }
}
