"""Code-generation census: which atomic instructions and barriers each primitive's hot functions
compile to, per architecture and code-generation variant (docs/architectures.md).

    disasm    objdump output -> functions -> instruction classes (pure text processing)
    symbols   census symbols and pattern-matched symbols -> family / primitive / op
    ordering  the book's instruction table per ordering (Figure 7-1) and the check against it
    objects   finding the objdump, the census object (compiling it if the build has none), the binary
    document  census.json: building, validating, reading
    run       the census of a build directory or of any object file
    cli       scripts/census
"""
