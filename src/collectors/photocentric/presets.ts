import type { PrintingPreset } from '../sdk/collector.ts';
import type { Printer, SlicingProfile } from './protocol.ts';

/**
 * Photonic3D's printing presets are the resin profiles (`InkConfig`) of the printer's slicing
 * profile: each names a material and its exposure settings; the profile's `SelectedInk` is the one
 * the next print uses. The printer's configuration carries its slicing profile; when it does not
 * (an older host), the profile named `SlicingProfileName` is looked up in
 * `/machine/slicingProfiles/list`.
 */
export function profileOf(
  printer: Printer,
  profiles: readonly SlicingProfile[] | undefined,
): SlicingProfile | undefined {
  const own = printer.configuration.slicingProfile;
  if (own?.InkConfig) return own;
  const name = printer.configuration.SlicingProfileName ?? own?.name;
  return profiles?.find((p) => p.name === name) ?? own ?? undefined;
}

export function presetsOf(profile: SlicingProfile | undefined): PrintingPreset[] {
  if (!profile?.InkConfig) return [];
  const seen = new Set<string>();
  const presets: PrintingPreset[] = [];
  for (const ink of profile.InkConfig) {
    if (seen.has(ink.Name)) continue; // the cloud's name is unique per machine: the first one wins
    seen.add(ink.Name);
    const parts: string[] = [];
    if (ink.SliceHeight != null) parts.push(`${ink.SliceHeight} mm layers`);
    if (ink.LayerTime != null) parts.push(`${ink.LayerTime} ms exposure`);
    if (ink.NumberofBottomLayers != null)
      parts.push(
        `${ink.NumberofBottomLayers} bottom layers${ink.FirstLayerTime != null ? ` at ${ink.FirstLayerTime} ms` : ''}`,
      );
    presets.push({
      name: ink.Name,
      ...(parts.length > 0 ? { description: `resin profile: ${parts.join(', ')}` } : {}),
      details: [
        {
          slicing_profile: profile.name ?? null,
          selected: profile.SelectedInk === ink.Name,
          ...ink,
        },
      ],
    });
  }
  return presets;
}
