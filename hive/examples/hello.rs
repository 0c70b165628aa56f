//! asyncio's Hello World: print, sleep one second, print.

#[hive::main]
async fn main() {
    println!("Hello ...");
    hive::sleep(std::time::Duration::from_secs(1)).await;
    println!("... World!");
}
