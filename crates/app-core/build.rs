//! Encodes data/common-passwords.txt (sorted, one per line) as a Golomb-coded set into
//! `$OUT_DIR/common-passwords.gcs` (src/domain/common_set.rs): register's wasm carries it.
//! 106 KiB of text; front-coded it was 57 KiB, as this set about 31.
#[path = "src/domain/common_set.rs"]
mod common_set;

fn main() {
    let src = "data/common-passwords.txt";
    println!("cargo::rerun-if-changed={src}");
    println!("cargo::rerun-if-changed=src/domain/common_set.rs");
    let list = std::fs::read_to_string(src).expect("data/common-passwords.txt");
    let words: Vec<&str> = list.lines().collect();
    for pair in words.windows(2) {
        assert!(pair[0] < pair[1], "{src} must be sorted and without duplicates: {:?}", pair[1]);
    }
    let out = std::env::var("OUT_DIR").expect("OUT_DIR") + "/common-passwords.gcs";
    std::fs::write(out, common_set::encode(words.into_iter())).expect("writing common-passwords.gcs");
}
