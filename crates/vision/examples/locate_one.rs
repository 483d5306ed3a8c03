//! Prints the located corners of one image (development aid).
#![allow(clippy::print_stdout)]
fn main() {
    let path = std::env::args().nth(1).expect("path");
    let bytes = std::fs::read(path).expect("read");
    let page = docscreen_vision::decode(&bytes, &docscreen_vision::Limits::default())
        .expect("decodes")
        .pages
        .remove(0);
    println!("{:?}", docscreen_vision::locate_document(&page.image));
}
