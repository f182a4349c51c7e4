//! The timing loop of the benchmark programs (bench/token-algs, bench/argon2-speed), included by
//! each with `#[path]`: `f` once to warm up, then `iterations` timed calls; prints one JSON line
//! `{"op", "iterations", "median_us", "mean_us", "min_us"}`.
use std::time::Instant;

pub fn measure(op: &str, iterations: u32, mut f: impl FnMut()) {
    f(); // warm-up
    let mut samples: Vec<f64> = (0..iterations)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    println!(
        "{{\"op\":\"{op}\",\"iterations\":{iterations},\"median_us\":{:.2},\"mean_us\":{mean:.2},\"min_us\":{:.2}}}",
        samples[samples.len() / 2],
        samples[0]
    );
}
