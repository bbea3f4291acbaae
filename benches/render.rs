//! The console's render cost: one `view` of a 200-node cluster with 5 000
//! tarball files at 200×60 (every pane tiled) on ratatui's TestBackend, and
//! each pane alone at 120×40. Goal: under 2 ms a frame in release mode.
//!
//! `cargo bench --bench render`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rivershare::console::state::{App, Pane};
use rivershare::console::view::fixture::large_app;
use rivershare::console::view::view;

fn frame(term: &mut Terminal<TestBackend>, app: &App) {
    term.draw(|f| view(black_box(app), f)).expect("draw");
}

fn render(c: &mut Criterion) {
    let mut app = large_app(200, 5000);
    // Somewhere in the middle, as an operator would be.
    app.cursors = [rivershare::console::state::Cursor {
        selected: 120,
        offset: 100,
        column: 80,
    }; 4];
    app.cursors[3].selected = 3;
    app.cursors[3].offset = 0;
    for e in app
        .tarballs
        .as_ref()
        .map(|i| i.entries.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.prunable)
        .take(300)
    {
        app.marks.insert(e.file);
    }
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    c.bench_function("view 200 nodes 5000 tarballs 200x60 tiled", |b| {
        b.iter(|| frame(&mut term, &app))
    });
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    for pane in Pane::ALL {
        let mut app = app.clone();
        app.pane = pane;
        c.bench_function(&format!("view {pane:?} 120x40"), |b| {
            b.iter(|| frame(&mut term, &app))
        });
    }
}

/// This thread's CPU time (ns on the CPU, from /proc/thread-self/schedstat):
/// on a machine busy with other work, wall time overstates the cost of a frame.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// The tiled frame again, as CPU time and wall time per frame over 2 000 frames.
fn cpu_per_frame(_: &mut Criterion) {
    let app = large_app(200, 5000);
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    for _ in 0..200 {
        frame(&mut term, &app);
    }
    let frames = 2000u32;
    let (cpu0, wall0) = (cpu_ns(), std::time::Instant::now());
    for _ in 0..frames {
        frame(&mut term, &app);
    }
    let wall = wall0.elapsed() / frames;
    match (cpu0, cpu_ns()) {
        (Some(a), Some(b)) => println!(
            "tiled 200x60, 200 nodes, 5000 tarballs: {:.3} ms CPU per frame, {:.3} ms wall",
            (b - a) as f64 / f64::from(frames) / 1e6,
            wall.as_secs_f64() * 1e3
        ),
        _ => println!(
            "tiled 200x60: {:.3} ms wall per frame (no schedstat for CPU time)",
            wall.as_secs_f64() * 1e3
        ),
    }
}

criterion_group!(benches, render, cpu_per_frame);
criterion_main!(benches);
