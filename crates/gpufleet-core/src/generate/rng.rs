//! A small seeded PRNG (SplitMix64). Written here rather than taken from a crate so that a
//! seed produces the same fleet on every version of gpufleet: tests and screenshots depend on it.
//! Not for anything secret. The generator and the simulator draw from it alike, through the
//! helpers here; a helper's draws are part of the seed's contract, so none may change how many
//! words it takes or what it makes of them.

/// SplitMix64 state: one 64-bit word, advanced by a fixed odd constant per draw.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`; equal seeds give equal sequences on every platform.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// In `0..n`, uniform up to the modulo bias (under `n / 2^64`); `n` = 0 gives 0.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Uniform in `[0, 1)`, from the top 53 bits of one draw.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p` (0 to 1), from one [`Rng::unit`] draw `u`: `u <= p`, so
    /// `p` = 0 is true once in 2^53 draws.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() <= p
    }

    /// One of `items`, each as likely as [`Rng::below`] makes it; `None` when `items` is
    /// empty. Takes one draw either way.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }

    /// An index into `weights`, each as likely as its weight; `None` when the weights are
    /// empty or all 0. Takes one draw either way.
    pub fn weighted<I>(&mut self, weights: I) -> Option<usize>
    where
        I: IntoIterator<Item = usize> + Clone,
    {
        let total: usize = weights.clone().into_iter().sum();
        let mut x = self.below(total);
        for (i, w) in weights.into_iter().enumerate() {
            if x < w {
                return Some(i);
            }
            x -= w;
        }
        None
    }

    /// Shuffles `items` in place (Fisher–Yates, from the last item down): `len - 1` draws.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    /// Lowercase letters and digits, as Kubernetes' generated name suffixes.
    pub fn suffix(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..len)
            .map(|_| CHARS[self.below(CHARS.len())] as char)
            .collect()
    }

    /// `len` lowercase hexadecimal digits (a fake checksum, say).
    pub fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from_digit(self.below(16) as u32, 16).unwrap_or('0'))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(7).next_u64(), Rng::new(8).next_u64());
        let mut r = Rng::new(1);
        assert!((0..1000).all(|_| r.below(5) < 5));
    }

    #[test]
    fn empty_choices_are_none_not_a_panic() {
        let mut r = Rng::new(1);
        assert_eq!(r.pick::<u8>(&[]), None);
        assert_eq!(r.weighted([]), None);
        assert_eq!(r.weighted([0, 0]), None);
        let mut none: [u8; 0] = [];
        r.shuffle(&mut none);
        assert_eq!(r.pick(&[4]), Some(&4));
        // A weight of 0 is never chosen.
        assert!((0..1000).all(|_| r.weighted([0, 3, 0, 1]).is_some_and(|i| i == 1 || i == 3)));
    }

    #[test]
    fn shuffle_keeps_every_item() {
        let mut r = Rng::new(5);
        let mut v: Vec<u32> = (0..50).collect();
        r.shuffle(&mut v);
        assert_ne!(v, (0..50).collect::<Vec<_>>());
        v.sort_unstable();
        assert_eq!(v, (0..50).collect::<Vec<_>>());
    }
}
