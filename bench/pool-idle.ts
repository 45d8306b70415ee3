/** An idle .ts script: the RSS bench's "bare child with tsx" baseline. */
setInterval(() => {}, 1 << 30);
