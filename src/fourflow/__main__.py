from fourflow.cli import main

main()
