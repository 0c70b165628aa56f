//! Debug mode's slow-poll warnings (with the task's call graph) and the
//! per-task tracing spans, observed through a small recording `tracing`
//! subscriber.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

#[derive(Default, Clone)]
struct Recorder {
    lines: Arc<Mutex<Vec<String>>>,
    next_id: Arc<Mutex<u64>>,
}

struct Text(String);
impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut text = Text(format!("span {} ", span.metadata().name()));
        span.record(&mut text);
        self.lines.lock().unwrap().push(text.0);
        let mut id = self.next_id.lock().unwrap();
        *id += 1;
        Id::from_u64(*id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut text = Text(format!("{} ", event.metadata().level()));
        event.record(&mut text);
        self.lines.lock().unwrap().push(text.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn debug_mode_warns_about_slow_polls_naming_the_task_and_spans_name_tasks() {
    let recorder = Recorder::default();
    let lines = recorder.lines.clone();
    tracing::subscriber::set_global_default(recorder).unwrap();
    let rt = hive::Runtime::builder()
        .loops(1)
        .debug(true)
        .slow_callback_duration(Duration::from_millis(20))
        .build()
        .unwrap();
    rt.run(async {
        hive::task::Builder::new()
            .name("sluggish")
            .spawn(async { std::thread::sleep(Duration::from_millis(40)) })
            .await
            .unwrap();
        hive::task::Builder::new()
            .name("quick")
            .spawn(async {})
            .await
            .unwrap();
    })
    .unwrap();
    drop(rt);
    let lines = lines.lock().unwrap().clone();
    // Only the sluggish task's warning is certain: it blocked for twice the
    // threshold. Any other poll may be warned about too on a loaded machine
    // (a poll the OS preempted takes long), so the count is of its warnings.
    let slow: Vec<_> = lines
        .iter()
        .filter(|l| l.starts_with("WARN") && l.contains("executing task sluggish"))
        .collect();
    assert_eq!(slow.len(), 1, "{lines:#?}");
    assert!(slow[0].contains("sluggish"), "{slow:?}");
    // The warning carries the call graph: main awaits the slow task.
    assert!(
        slow[0].contains("call_graph=main (id ") && slow[0].contains("[await] sluggish (id "),
        "{slow:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("span task") && l.contains("quick") && l.contains("loop_id=0")),
        "{lines:#?}"
    );
}

#[test]
fn an_error_nobody_retrieved_carries_its_call_graph_in_debug_mode() {
    for debug in [true, false] {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (sink, probe) = (seen.clone(), seen.clone());
        let rt = hive::Runtime::builder()
            .loops(1)
            .debug(debug)
            .exception_handler(move |ctx: hive::ExceptionContext| {
                sink.lock().unwrap().push(ctx.call_graph);
            })
            .build()
            .unwrap();
        rt.run(async move {
            let failing = hive::task::Builder::new()
                .name("doomed")
                .spawn(async { panic!("never retrieved") });
            drop(failing);
            // Wait until it ran and was reported (the one loop runs it while
            // this task sleeps); the deadline only turns a hang into a failure.
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while probe.lock().unwrap().is_empty() {
                assert!(std::time::Instant::now() < deadline, "never reported");
                hive::sleep(Duration::from_millis(1)).await;
            }
        })
        .unwrap();
        drop(rt);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1, "debug = {debug}");
        match &seen[0] {
            Some(graph) => {
                assert!(debug);
                assert!(graph.starts_with("doomed (id "), "{graph}");
            }
            None => assert!(!debug),
        }
    }
}
