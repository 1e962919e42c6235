//! A hostile target on loopback, for measuring the harness against it from outside
//! (`scripts/hostile-rss.sh`): `hostile_target MODE PORT [REDIRECT_URL]`. The modes are those
//! of `tests/it/support/hostile.rs`, which this serves unchanged.

#[path = "../tests/it/support/hostile.rs"]
mod hostile;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(name), Some(port)) = (args.first(), args.get(1)) else {
        eprintln!("usage: hostile_target MODE PORT [REDIRECT_URL]");
        return std::process::ExitCode::from(2);
    };
    let redirect_to = args
        .get(2)
        .map_or("http://127.0.0.1:9/collect", String::as_str);
    let Some(mode) = hostile::Mode::named(name, redirect_to) else {
        eprintln!("unknown mode {name:?}");
        return std::process::ExitCode::from(2);
    };
    let listener = match tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    hostile::serve_on(mode, listener).await;
    std::process::ExitCode::SUCCESS
}
