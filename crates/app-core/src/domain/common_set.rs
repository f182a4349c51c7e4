//! The common-password list as a Golomb-coded set: each entry's 64-bit FNV-1a hash, reduced to
//! [0, n·2^P), sorted; the gaps between them written as Golomb-Rice codes (the quotient in
//! unary, then P bits). About P + 1.6 bits per entry, against ~40 for the front-coded text. A
//! password not in the list is taken for one with probability 2^-P (one in a million). Shared by
//! build.rs (which writes the set) and the password rule (which reads it): one hash, one layout.
//!
//! Layout: P (one byte), n (u32, little-endian), then the codes, most significant bit first.

/// Bits of each code's remainder: a false positive is one in 2^P.
const P: u32 = 20;

/// 64-bit FNV-1a: no key needed (the list is public) and the same in build.rs and in wasm.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The set's value for `word`: its hash reduced to [0, n·2^p).
fn slot(word: &[u8], n: u32, p: u32) -> u64 {
    fnv1a(word) % (u64::from(n) << p)
}

/// Encodes `words` (the set's layout above).
#[allow(dead_code)] // build.rs only
pub fn encode<'a>(words: impl ExactSizeIterator<Item = &'a str>) -> Vec<u8> {
    let n = u32::try_from(words.len()).expect("fewer than 2^32 entries");
    let mut slots: Vec<u64> = words.map(|w| slot(w.as_bytes(), n, P)).collect();
    slots.sort_unstable(); // two entries on one slot: a gap of 0
    let mut out = vec![P as u8];
    out.extend_from_slice(&n.to_le_bytes());
    let mut bits = Vec::new();
    let mut previous = 0;
    for s in slots {
        let gap = s - previous;
        previous = s;
        bits.extend((0..gap >> P).map(|_| true));
        bits.push(false);
        bits.extend((0..P).rev().map(|i| gap >> i & 1 == 1));
    }
    out.extend(
        bits.chunks(8).map(|byte| (0..8).fold(0u8, |b, i| b << 1 | u8::from(byte.get(i) == Some(&true)))),
    );
    out
}

/// A set as `encode` wrote it.
#[allow(dead_code)] // the password rule only
pub struct Set<'a> {
    p: u32,
    n: u32,
    codes: &'a [u8],
}

#[allow(dead_code)] // the password rule only
impl<'a> Set<'a> {
    pub fn new(bytes: &'a [u8]) -> Set<'a> {
        let (&p, rest) = bytes.split_first().expect("set header");
        let (n, codes) = rest.split_at(4);
        Set { p: u32::from(p), n: u32::from_le_bytes(n.try_into().expect("4 bytes")), codes }
    }

    /// Whether `word` is in the set (or collides with an entry: one in 2^P).
    pub fn contains(&self, word: &[u8]) -> bool {
        let target = self.slot(word);
        self.slots().find(|&s| s >= target) == Some(target)
    }

    /// Where `word` falls in the set.
    pub fn slot(&self, word: &[u8]) -> u64 {
        slot(word, self.n, self.p)
    }

    /// The entries' slots, in order.
    pub fn slots(&self) -> impl Iterator<Item = u64> + '_ {
        let (mut pos, mut value) = (0usize, 0u64);
        (0..self.n).map(move |_| {
            let mut quotient = 0;
            loop {
                let ones = self.peek(pos).leading_ones() as usize;
                quotient += ones.min(56);
                pos += ones.min(56);
                if ones < 56 {
                    break;
                }
            }
            pos += 1; // the unary code's closing 0
            let remainder = self.peek(pos) >> (64 - self.p);
            pos += self.p as usize;
            value += (quotient as u64) << self.p | remainder;
            value
        })
    }

    /// 64 bits from bit `pos` on (at least 57 of them the set's, zeros past its end).
    fn peek(&self, pos: usize) -> u64 {
        let i = (pos / 8).min(self.codes.len());
        let available = &self.codes[i..(i + 8).min(self.codes.len())];
        let mut word = [0u8; 8];
        word[..available.len()].copy_from_slice(available);
        u64::from_be_bytes(word) << (pos % 8)
    }
}
