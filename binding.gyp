# Native build for kcp-payplus, driven by node-gyp (scripts/build-native.mjs runs it on install).
#
# Why node-gyp and not cmake-js (the project's original plan named both): node-gyp ships inside npm, so an
# `npm install` / `npm ci` needs nothing from outside the npm registry; it builds offline against the
# headers of the installed Node (npm config nodedir=/usr -> /usr/include/node); and one description of
# the build (this file) is simpler to keep right than two. cmake-js would add a download and cmake.
#
# Targets (both land in build/Release/):
#   kcp_payplus_spawn.node  the spawn addon (native/addon): posix_spawn on its own thread, raw argv bytes
#   pp_cli_standin          the stand-in pp_cli (native/standin/pp_cli.c), used by tests, simulator, demo
{
  'targets': [
    {
      'target_name': 'kcp_payplus_spawn',
      'sources': ['native/addon/addon.cc', 'native/addon/spawn.cc'],
      'dependencies': [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
      ],
      'defines': ['NAPI_VERSION=8', '_GNU_SOURCE'],
      'cflags_cc': ['-Wall', '-Wextra'],
    },
    {
      'target_name': 'pp_cli_standin',
      'type': 'executable',
      'sources': ['native/standin/pp_cli.c'],
      'cflags_c': ['-std=c11', '-O2'],
    },
  ],
}
