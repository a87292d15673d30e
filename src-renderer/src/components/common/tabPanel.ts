// The attributes of the panel a TabList tab controls.
export function tabPanelAttrs(idPrefix: string, id: string): Record<string, string | number> {
  return { id: `${idPrefix}-panel-${id}`, role: 'tabpanel', 'aria-labelledby': `${idPrefix}-tab-${id}`, tabindex: 0 };
}
