//! RSA key generation with the prime search spread over two threads.
//!
//! An RSA-2048 key is two random 1024-bit primes, and nearly all of the time
//! of `cfssl gencert` with an RSA key is the search for them: random odd
//! starting points, a sieve of small factors, then a Baillie-PSW test of each
//! survivor (`crypto-primes`, as the `rsa` crate's own `PrivateKey::new`
//! does). The searches are independent, so two threads race: each looks for
//! primes until two have been found between them, and the key is built from
//! those two. On a machine with two idle cores that halves the expected wall
//! time of a key (docs/performance.md) for the same CPU time.
//!
//! Every candidate is made exactly as `rsa::PrivateKey::new` makes it (an odd
//! random number of half the key size with its top two bits set, so that the
//! modulus has exactly the requested size), and the key is assembled by
//! `rsa::PrivateKey::from_primes` (public exponent 65537, private exponent
//! from Euler's totient, as `rsa::PrivateKey::new`), which validates it.
//! Odd key sizes and single-CPU machines use `rsa::PrivateKey::new` itself.
//!
//! Taking whichever two primes are found first favours, very slightly,
//! primes that a search reaches quickly (those after a short gap), where a
//! single incremental search favours primes after long gaps. Neither skew
//! is of practical use to an attacker: each search still starts at a fresh
//! random point among about 2^1021 candidates.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use crypto_bigint::{BitOps, BoxedUint, RandomBits};
use crypto_primes::hazmat::SmallFactorsSieve;
use crypto_primes::{Flavor, is_prime};

/// The public exponent of every key (cfssl's, Go's and the `rsa` crate's).
const PUBLIC_EXPONENT: u64 = 65537;

/// Why a key could not be made: the system random source failed.
#[derive(Debug)]
pub(crate) struct RandomFailed;

/// Generates an RSA key of `bits` bits (2048..=8192 in practice).
pub(crate) fn generate(bits: u32) -> Result<rsa::PrivateKey, RandomFailed> {
    let cpus = thread::available_parallelism().map_or(1, std::num::NonZero::get);
    generate_with(bits, cpus >= 2)
}

/// [`generate`], racing two threads for the primes when `race` is set and
/// the size is one cfssl accepts and even; `rsa::PrivateKey::new` otherwise
/// (whose own size checks then apply, as before).
fn generate_with(bits: u32, race: bool) -> Result<rsa::PrivateKey, RandomFailed> {
    if !race || bits % 2 == 1 || !(2048..=8192).contains(&bits) {
        return rsa::PrivateKey::new(&mut getrandom::SysRng, bits as usize)
            .map_err(|_| RandomFailed);
    }
    loop {
        let (p, q) = two_primes(bits / 2)?;
        if p == q {
            continue;
        }
        let primes = vec![p, q];
        // Fails only when 65537 divides p - 1 or q - 1 (about one key in
        // 32,768): draw two new primes, as `rsa::PrivateKey::new` does.
        if let Ok(key) = rsa::PrivateKey::from_primes(primes, BoxedUint::from(PUBLIC_EXPONENT)) {
            // Always true with the top two bits of both primes set; checked
            // as `rsa::PrivateKey::new` checks it.
            if key_bits(&key) == bits {
                return Ok(key);
            }
        }
    }
}

/// The bit length of the key's modulus.
fn key_bits(key: &rsa::PrivateKey) -> u32 {
    rsa::traits::PublicKeyParts::n(key).bit_width_vartime()
}

/// Two primes of `bits` bits each, found by two threads searching at once:
/// the calling thread and one helper. Whichever thread finds a prime adds it
/// to the shared list; both stop when it holds two.
fn two_primes(bits: u32) -> Result<(BoxedUint, BoxedUint), RandomFailed> {
    let found: Mutex<Vec<BoxedUint>> = Mutex::new(Vec::with_capacity(2));
    let done = AtomicBool::new(false);
    let failed = AtomicBool::new(false);
    let search = || {
        while !done.load(Ordering::Relaxed) {
            match find_prime(bits, &done) {
                Ok(Some(prime)) => {
                    // A poisoned lock means the other thread panicked; its
                    // panic reaches us through `thread::scope` below.
                    let Ok(mut list) = found.lock() else { return };
                    if list.len() < 2 {
                        list.push(prime);
                    }
                    if list.len() == 2 {
                        done.store(true, Ordering::Relaxed);
                    }
                }
                Ok(None) => {}
                Err(RandomFailed) => {
                    failed.store(true, Ordering::Relaxed);
                    done.store(true, Ordering::Relaxed);
                }
            }
        }
    };
    thread::scope(|s| {
        // Where no thread can be started (a process or container limit), the
        // calling thread finds both primes alone.
        let _helper = thread::Builder::new()
            .name("rsa-primes".into())
            .spawn_scoped(s, search);
        search();
    });
    if failed.load(Ordering::Relaxed) {
        return Err(RandomFailed);
    }
    let mut list = found.into_inner().map_err(|_| RandomFailed)?;
    match (list.pop(), list.pop()) {
        (Some(p), Some(q)) => Ok((p, q)),
        _ => Err(RandomFailed),
    }
}

/// One prime of `bits` bits with its top two bits set, searched from a random
/// odd start through a sieve of small factors (`rsa`'s
/// `generate_prime_with_rng`); `None` when `stop` was raised first.
fn find_prime(bits: u32, stop: &AtomicBool) -> Result<Option<BoxedUint>, RandomFailed> {
    let width = NonZeroU32::new(bits).ok_or(RandomFailed)?;
    loop {
        let mut start =
            BoxedUint::try_random_bits(&mut getrandom::SysRng, bits).map_err(|_| RandomFailed)?;
        start.set_bit_vartime(0, true);
        start.set_bit_vartime(bits - 1, true);
        start.set_bit_vartime(bits - 2, true);
        let sieve = SmallFactorsSieve::new(start, width, false).map_err(|_| RandomFailed)?;
        for candidate in sieve {
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            if is_prime(Flavor::Any, &candidate) {
                return Ok(Some(candidate));
            }
        }
        // The sieve ran past the top of the range without a prime: start
        // again from a new random point.
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};

    fn check(key: &rsa::PrivateKey, bits: u32) {
        assert_eq!(key_bits(key), bits, "modulus size for {bits}");
        assert_eq!(key.e(), &BoxedUint::from(PUBLIC_EXPONENT));
        let primes = key.primes();
        assert_eq!(primes.len(), 2);
        assert_ne!(primes[0], primes[1]);
        for p in primes {
            assert_eq!(p.bit_width_vartime(), bits / 2);
            assert!(is_prime(Flavor::Any, p.as_ref()), "a factor is not prime");
        }
    }

    #[test]
    fn raced_keys_have_the_requested_size_exponent_and_primes() {
        for bits in [2048u32, 2050] {
            check(&generate_with(bits, true).expect("key"), bits);
        }
    }

    #[test]
    fn single_thread_and_odd_sizes_use_the_rsa_crate_and_agree() {
        check(&generate_with(2048, false).expect("key"), 2048);
        let odd = generate_with(2049, true).expect("key");
        assert_eq!(key_bits(&odd), 2049);
    }

    #[test]
    fn sizes_outside_cfssls_range_keep_the_rsa_crates_checks() {
        // `rsa::PrivateKey::new` refuses keys under 1024 bits.
        assert!(generate_with(512, true).is_err());
    }

    #[test]
    fn two_primes_are_two_primes_of_the_requested_size() {
        let (p, q) = two_primes(512).expect("random source");
        for x in [&p, &q] {
            assert_eq!(x.bit_width_vartime(), 512);
            assert!(x.bit_vartime(511) && x.bit_vartime(510) && x.bit_vartime(0));
            assert!(is_prime(Flavor::Any, x));
        }
    }

    #[test]
    fn a_raised_stop_ends_the_search_without_a_prime() {
        let stop = AtomicBool::new(true);
        assert!(find_prime(1024, &stop).expect("random source").is_none());
    }

    #[test]
    fn found_primes_have_their_top_two_bits_set() {
        let stop = AtomicBool::new(false);
        let p = find_prime(256, &stop)
            .expect("random source")
            .expect("prime");
        assert_eq!(p.bit_width_vartime(), 256);
        assert!(p.bit_vartime(255) && p.bit_vartime(254));
        assert!(is_prime(Flavor::Any, &p));
    }
}
