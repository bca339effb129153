from evidencekit.cli import main

main()
