//! Front-codes data/common-passwords.txt (sorted, one per line) into `$OUT_DIR/common-passwords.fc`:
//! each entry is one byte, how many leading bytes it shares with the entry before it (below 0x20,
//! so it also marks where an entry starts: the passwords are printable ASCII), then the rest of
//! it. Half the size of the list (register's wasm carries it): 106 -> 57 KiB.
use std::fmt::Write as _;

fn main() {
    let src = "data/common-passwords.txt";
    println!("cargo::rerun-if-changed={src}");
    let list = std::fs::read_to_string(src).expect("data/common-passwords.txt");
    let (mut out, mut previous) = (Vec::new(), "");
    for word in list.lines() {
        assert!(word > previous, "{src} must be sorted and without duplicates: {word:?}");
        assert!(word.bytes().all(|b| b.is_ascii_graphic()), "{src}: not printable ASCII: {word:?}");
        let shared = word.bytes().zip(previous.bytes()).take_while(|(a, b)| a == b).count();
        assert!(shared < 0x20, "{src}: {word:?} shares {shared} bytes with the word before");
        out.push(shared as u8);
        out.extend_from_slice(&word.as_bytes()[shared..]);
        previous = word;
    }
    let mut path = std::env::var("OUT_DIR").expect("OUT_DIR");
    let _ = write!(path, "/common-passwords.fc");
    std::fs::write(path, out).expect("writing common-passwords.fc");
}
