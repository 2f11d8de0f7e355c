"""One module per `labeler` subcommand: each has add_parser(subparsers) and run(args) -> int."""
