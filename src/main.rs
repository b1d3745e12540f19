// mimalloc: a large spec means millions of small strings; glibc's malloc
// spent a third of `render`'s time allocating and freeing them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    mailctl::run().into()
}
