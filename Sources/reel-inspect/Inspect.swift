import ArgumentParser
@main struct Inspect: ParsableCommand { func run() {} }
