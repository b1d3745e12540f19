fn main() -> std::process::ExitCode {
    mailctl::run().into()
}
