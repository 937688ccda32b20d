/**
 * Files picked in "Model file" that belong in the collection instead (photos, `.npy` model
 * inputs). They are not added to it from there: a model picker that quietly stores photos in the
 * browser and starts indexing them would surprise more than it helps, and a mis-picked file would
 * be left to find and remove. They are named instead, with where to add them.
 */
import { isImageFile, isTensorFile, nameList } from '../lib/files';

export interface ModelPick {
  /** What goes to the model loader: graphs, weights, and anything else unrecognised. */
  model: File[];
  /** Images and model inputs, which the Images picker takes. */
  images: File[];
}

const isImageLike = (f: File) => isImageFile(f) || isTensorFile(f);

export function splitModelPick(files: File[]): ModelPick {
  return { model: files.filter((f) => !isImageLike(f)), images: files.filter(isImageLike) };
}

/** What the images are, as a predicate after their names: "is an image", "are model inputs (.npy)". */
function describe(images: File[]): string {
  const many = images.length > 1;
  if (images.every(isTensorFile))
    return many ? 'are model inputs (.npy)' : 'is a model input (.npy)';
  if (images.every((f) => isImageFile(f))) return many ? 'are images' : 'is an image';
  return 'are images and model inputs';
}

/**
 * What to say of the images in a pick: a notice beside a model that loads (`withModel`), or the
 * reason nothing loads when they are all that was picked.
 */
export function imagesInModelPick(images: File[], withModel: boolean): string {
  const many = images.length > 1;
  const said = `${nameList(images.map((f) => f.name))} ${describe(images)}`;
  const add = `To add ${many ? 'them' : 'it'} to the collection, use the "Images" picker`;
  return withModel
    ? `${said}, so ${many ? 'they were' : 'it was'} not used for the model. ${add}.`
    : `${said}, not a model. ${add}; in "Model file", pick the model's .onnx file.`;
}
