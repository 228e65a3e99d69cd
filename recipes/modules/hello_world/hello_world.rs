// SPDX-License-Identifier: GPL-2.0

//! Hello world: an out-of-tree Rust kernel module, built and boot-tested by r4l.

use kernel::prelude::*;

module! {
    type: HelloWorld,
    name: "hello_world",
    author: "r4l developers",
    description: "Says hello when loaded and goodbye when unloaded",
    license: "GPL",
}

struct HelloWorld;

impl kernel::Module for HelloWorld {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("Hello world from rust!\n");
        Ok(HelloWorld)
    }
}

impl Drop for HelloWorld {
    fn drop(&mut self) {
        pr_info!("Bye world from rust!\n");
    }
}
