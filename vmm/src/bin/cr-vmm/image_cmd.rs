//! `cr-vmm image show|mutate`: checkpoint images on the host (the
//! `kcr-image` crate).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

/// The image commands.
#[derive(Subcommand)]
pub enum ImageCmd {
    /// Test helper: write a copy of a valid image with one well-formed
    /// change (a page byte, a register, a dropped page record), the tail
    /// rewritten so that it still parses; prints what changed.
    #[command(hide = true)]
    Mutate {
        /// The image.
        file: PathBuf,
        /// page-byte, register or drop-pages.
        #[arg(long, value_parser = ["page-byte", "register", "drop-pages"])]
        kind: String,
        /// Where to write the damaged copy.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Validate an image and print its header, tasks, mappings and page
    /// counts. A corrupted image is an error naming the offset and record.
    Show {
        /// The image file.
        file: PathBuf,
        /// Print the filesystem-view path tree (task-PID/mm/vmas/N/start = ...).
        #[arg(long, conflicts_with = "json")]
        tree: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs one image command.
pub fn run(cmd: ImageCmd) -> anyhow::Result<ExitCode> {
    use kcr_image::mutate::{mutate, Kind};
    match cmd {
        ImageCmd::Mutate { file, kind, output } => {
            let mut img = std::fs::read(&file)
                .with_context(|| format!("cannot read image {}", file.display()))?;
            kcr_image::parse(&img[..])
                .with_context(|| format!("invalid image {}", file.display()))?;
            let kind = match kind.as_str() {
                "page-byte" => Kind::PageByte,
                "register" => Kind::Register,
                _ => Kind::DropPages,
            };
            let what = mutate(&mut img, kind)?;
            std::fs::write(&output, &img)
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!("mutated: {what}");
            Ok(ExitCode::SUCCESS)
        }
        ImageCmd::Show { file, tree, json } => {
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot open image {}", file.display()))?;
            let img = kcr_image::parse(std::io::BufReader::new(f))
                .with_context(|| format!("invalid image {}", file.display()))?;
            let out = if json {
                kcr_image::show::json(&img)?
            } else if tree {
                kcr_image::show::tree(&img)
            } else {
                kcr_image::show::summary(&img)
            };
            print!("{out}");
            if json {
                println!();
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
