{
  "targets": [
    {
      "target_name": "swoole_native",
      "sources": [
        "native/src/common.cc",
        "native/src/datagram.cc",
        "native/src/fd_passing.cc",
        "native/src/msgqueue.cc",
        "native/src/process.cc",
        "native/src/listen.cc",
        "native/src/exec.cc",
        "native/src/fd_ops.cc",
        "native/src/shared_memory.cc",
        "native/src/addressed.cc",
        "native/src/acceptor.cc",
        "native/src/module.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags": ["-Wall", "-Wextra"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "libraries": ["-lpthread"]
    }
  ]
}
